import { and, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { protectedModelAliases, type ModelVersion, type ProtectedModelAlias, type RegisteredModel } from '../../db/schema';
import { forbidden } from '../errors';
import { assertCan, type TenantContext } from '../tenancy/context';
import { ROLE_RANK } from '../tenancy/permissions';

/**
 * What the evaluation domain says about a version for an alias. `none` means no
 * evaluation has been recorded for it.
 */
export type EvaluationVerdict = { status: 'passed' } | { status: 'failed'; reason: string } | { status: 'none' };

/** The seam the evaluation domain plugs into: the gate a protected alias with `requiresPassingEvaluation` consults. */
export interface EvaluationGate {
  verdict(tx: Tx, ctx: TenantContext, input: { model: RegisteredModel; version: ModelVersion; alias: string }): Promise<EvaluationVerdict>;
}

/**
 * Gantry records no evaluations yet, so this gate has none to consult. Until it
 * does, `requiresPassingEvaluation` is stored and shown but cannot refuse a move;
 * a `failed` verdict from a real gate refuses it (see assertAliasMovePermitted).
 */
export const noEvaluationsGate: EvaluationGate = {
  verdict: async () => ({ status: 'none' }),
};

let gate: EvaluationGate = noEvaluationsGate;

/** Installed by the evaluation domain at startup; tests install their own. */
export function setEvaluationGate(g: EvaluationGate): void {
  gate = g;
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
 * requires a passing evaluation, the target version must not have failed one.
 * `toVersion: null` is a delete.
 */
export async function assertAliasMovePermitted(
  tx: Tx,
  ctx: TenantContext,
  input: { model: RegisteredModel; alias: string; toVersion: ModelVersion | null },
): Promise<void> {
  assertCan(ctx, 'model:write');
  const protection = await findAliasProtection(tx, input.model.id, input.alias);
  if (!protection) return;
  assertCan(ctx, 'model:alias-move-protected');
  if (ROLE_RANK[ctx.role] < ROLE_RANK[protection.minRole]) {
    throw forbidden(`The alias '${input.alias}' of '${input.model.name}' is protected: only ${protection.minRole}s and above may move it`);
  }
  if (protection.requiresPassingEvaluation && input.toVersion) {
    const v = await gate.verdict(tx, ctx, { model: input.model, version: input.toVersion, alias: input.alias });
    if (v.status === 'failed') {
      throw forbidden(`Version ${input.toVersion.version} of '${input.model.name}' failed its evaluation and cannot take the alias '${input.alias}': ${v.reason}`);
    }
  }
}
