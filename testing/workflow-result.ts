import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';

/**
 * A workflow's result, or, after `timeoutMs`, an error that says where the workflow stands: its
 * status, each pending activity (attempt, last failure, last heartbeat) and whatever `explain` adds
 * (the objects it was waiting for, say). A test that waits on a workflow fails with this instead of
 * its own timeout, whose message says nothing of why.
 */
export async function workflowResult<T = unknown>(client: Client, workflowId: string, opts: { timeoutMs: number; explain?: () => Promise<string> }): Promise<T> {
  const handle = client.workflow.getHandle(workflowId);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), opts.timeoutMs);
  });
  try {
    const first = await Promise.race([handle.result() as Promise<T>, late]);
    if (first !== 'late') return first;
  } finally {
    clearTimeout(timer);
  }
  const lines = [`workflow ${workflowId} did not finish in ${opts.timeoutMs} ms`];
  try {
    const d = await handle.describe();
    lines.push(`status ${d.status.name}, started ${d.startTime.toISOString()}, ${d.historyLength} events`);
    for (const a of d.raw.pendingActivities ?? []) {
      const beat = a.heartbeatDetails?.payloads?.map((p) => JSON.stringify(defaultPayloadConverter.fromPayload(p))).join(', ');
      lines.push(`pending ${a.activityType?.name} attempt ${a.attempt} state ${String(a.state)}${a.lastFailure?.message ? `, last failure: ${a.lastFailure.message}` : ''}${beat ? `, heartbeat: ${beat}` : ''}`);
    }
  } catch (e) {
    lines.push(`describing it failed: ${(e as Error).message}`);
  }
  if (opts.explain) lines.push(await opts.explain().catch((e: Error) => `explaining failed: ${e.message}`));
  throw new Error(lines.join('\n'));
}
