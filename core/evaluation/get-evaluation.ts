import { and, eq } from 'drizzle-orm';
import { evaluations, type Evaluation } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { notFound } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';

export async function getEvaluation(ctx: TenantContext, id: string): Promise<Evaluation> {
  assertCan(ctx, 'model:read');
  return withTenant(ctx, async (tx) => {
    const [e] = await tx.select().from(evaluations).where(and(eq(evaluations.orgId, ctx.orgId), eq(evaluations.id, id)));
    if (!e) throw notFound(`Evaluation '${id.slice(0, 64)}'`);
    return e;
  });
}
