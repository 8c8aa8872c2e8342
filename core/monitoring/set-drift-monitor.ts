import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { driftMonitors, type Deployment, type DriftMonitor } from '../../db/schema';
import { recordThenStart, type Recorded } from '../orchestration/record-then-start';
import { findDeployment } from '../serving/access';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { driftMonitorScheduleId, syncDriftMonitorCall } from './drift-monitor-schedule';
import { setDriftMonitorInput } from './monitoring.schemas';

/**
 * Turns a deployment's drift monitor on or off, or changes its interval, window or live-baseline
 * size: the row and its schedule as one unit. Repeating a request brings the schedule into line.
 */
export async function setDriftMonitor(ctx: TenantContext, input: unknown): Promise<DriftMonitor> {
  assertCan(ctx, 'deployment:write');
  const data = parseInput(setDriftMonitorInput, input);
  return recordThenStart(ctx, {
    key: driftMonitorScheduleId(data.deploymentId),
    async record(tx) {
      const dep = await findDeployment(tx, ctx, { deploymentId: data.deploymentId }, { forUpdate: true });
      return writeMonitor(tx, dep, data, `set by ${ctx.actor.email}`);
    },
  });
}

/** Writes the monitor row (created or changed) and the schedule call that makes Temporal match it. */
export async function writeMonitor(
  tx: Tx,
  dep: Deployment,
  data: Pick<DriftMonitor, 'enabled' | 'intervalMinutes' | 'windowMinutes' | 'baselineSamples'>,
  note: string,
): Promise<Recorded<DriftMonitor>> {
  const [before] = await tx.select().from(driftMonitors).where(eq(driftMonitors.deploymentId, dep.id)).for('update');
  const [row] = before
    ? await tx
        .update(driftMonitors)
        .set({ ...data, updatedAt: new Date() })
        .where(eq(driftMonitors.deploymentId, dep.id))
        .returning()
    : await tx
        .insert(driftMonitors)
        .values({ deploymentId: dep.id, orgId: dep.orgId, ...data })
        .returning();
  const changed = !before || before.enabled !== row!.enabled || before.intervalMinutes !== row!.intervalMinutes || before.windowMinutes !== row!.windowMinutes || before.baselineSamples !== row!.baselineSamples;
  return {
    row: row!,
    call: syncDriftMonitorCall(row!, { deploymentName: dep.name, note, replace: !!before && before.intervalMinutes !== row!.intervalMinutes }),
    audits: changed ? [{ action: 'drift_monitor.set', targetType: 'deployment', targetId: dep.id, data: { enabled: row!.enabled, intervalMinutes: row!.intervalMinutes, windowMinutes: row!.windowMinutes, baselineSamples: row!.baselineSamples } }] : [],
  };
}
