import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { evaluations, protectedModelAliases, type ModelVersion, type ProtectedModelAlias, type RegisteredModel } from '../../db/schema';
import { forbidden } from '../errors';
import { assertCan, isSystemContext, type ActingContext } from '../tenancy/context';
import { ROLE_RANK } from '../tenancy/permissions';

/**
 * What the latest finished evaluation of a version says: `none` when the
 * version has not been evaluated (or its evaluation is still running).
 */
export type EvaluationVerdict = { status: 'passed' } | { status: 'failed'; reason: string } | { status: 'none' };

export async function evaluationVerdict(tx: Tx, versionId: string): Promise<EvaluationVerdict> {
  const [latest] = await tx
    .select({ status: evaluations.status, message: evaluations.message, id: evaluations.id })
    .from(evaluations)
    .where(and(eq(evaluations.modelVersionId, versionId), inArray(evaluations.status, ['passed', 'failed', 'error'])))
    .orderBy(desc(evaluations.createdAt), desc(evaluations.id))
    .limit(1);
  if (!latest) return { status: 'none' };
  if (latest.status === 'passed') return { status: 'passed' };
  return { status: 'failed', reason: latest.message ?? `evaluation ${latest.id} ${latest.status}` };
}

export async function findAliasProtection(tx: Tx, modelId: string, alias: string): Promise<ProtectedModelAlias | null> {
  const [p] = await tx
    .select()
    .from(protectedModelAliases)
    .where(and(eq(protectedModelAliases.modelId, modelId), eq(protectedModelAliases.alias, alias)));
  return p ?? null;
}

/**
 * Every set, move or delete of an alias passes here. An unprotected alias needs
 * `model:write`; a protected one also needs `model:alias-move-protected` (which a
 * `write`-scoped API key lacks) and at least the alias's minimum role; when it
 * requires a passing evaluation, the target version's latest evaluation must have passed.
 * `toVersion: null` is a delete. A system process (a rollout promoting the version a person started it
 * for) holds no role: it is held to the evaluation requirement only, and the person was checked at the start.
 */
export async function assertAliasMovePermitted(
  tx: Tx,
  ctx: ActingContext,
  input: { model: RegisteredModel; alias: string; toVersion: ModelVersion | null },
): Promise<void> {
  if (!isSystemContext(ctx)) assertCan(ctx, 'model:write');
  const protection = await findAliasProtection(tx, input.model.id, input.alias);
  if (!protection) return;
  if (!isSystemContext(ctx)) assertCan(ctx, 'model:alias-move-protected');
  if (!isSystemContext(ctx) && ROLE_RANK[ctx.role] < ROLE_RANK[protection.minRole]) {
    throw forbidden(`The alias '${input.alias}' of '${input.model.name}' is protected: only ${protection.minRole}s and above may move it`);
  }
  if (protection.requiresPassingEvaluation && input.toVersion) {
    const v = await evaluationVerdict(tx, input.toVersion.id);
    if (v.status === 'failed') {
      throw forbidden(`Version ${input.toVersion.version} of '${input.model.name}' failed its latest evaluation and cannot take the alias '${input.alias}': ${v.reason}`);
    }
    if (v.status === 'none') {
      throw forbidden(`The alias '${input.alias}' of '${input.model.name}' requires a passing evaluation: evaluate version ${input.toVersion.version} first`);
    }
  }
}
