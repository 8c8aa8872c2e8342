import { withTenant } from '../tenancy/with-tenant';
import { assertCan, type TenantContext } from '../tenancy/context';
import { parseInput } from '../validation';
import { findRun, loadRunViews, type RunView } from './access';
import { runIdSchema } from './tracking.schemas';

export async function getRun(ctx: TenantContext, runId: unknown): Promise<RunView> {
  assertCan(ctx, 'run:read');
  const id = parseInput(runIdSchema, runId);
  return withTenant(ctx, async (tx) => (await loadRunViews(tx, [await findRun(tx, ctx, id)]))[0]!);
}
