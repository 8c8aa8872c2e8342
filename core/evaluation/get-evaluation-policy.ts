import { eq } from 'drizzle-orm';
import { evaluationPolicies, type EvaluationPolicy } from '../../db/schema';
import { withTenant } from '../tenancy/with-tenant';
import { findModel } from '../registry/access';
import { assertCan, type TenantContext } from '../tenancy/context';

export async function getEvaluationPolicy(ctx: TenantContext, modelId: string): Promise<EvaluationPolicy | null> {
  assertCan(ctx, 'model:read');
  return withTenant(ctx, async (tx) => {
    const model = await findModel(tx, ctx, { modelId });
    const [p] = await tx.select().from(evaluationPolicies).where(eq(evaluationPolicies.modelId, model.id));
    return p ?? null;
  });
}
