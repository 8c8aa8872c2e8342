import { and, desc, eq } from 'drizzle-orm';
import { evaluations, type Evaluation } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { findVersionById } from '../registry/access';
import { assertCan, type TenantContext } from '../tenancy/context';

/** The version's evaluations, newest first. */
export async function listEvaluations(ctx: TenantContext, modelVersionId: string): Promise<Evaluation[]> {
  assertCan(ctx, 'model:read');
  return withTenant(ctx, async (tx) => {
    const { version } = await findVersionById(tx, ctx, modelVersionId);
    return tx.select().from(evaluations).where(and(eq(evaluations.orgId, ctx.orgId), eq(evaluations.modelVersionId, version.id))).orderBy(desc(evaluations.createdAt), desc(evaluations.id));
  });
}
