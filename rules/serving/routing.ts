/**
 * A deployment's traffic policy (which model versions answer, with what share, who is mirrored) and
 * the choice of the arm that answers one request. Pure: the random source is passed in, and a sticky
 * key is hashed here (FNV-1a, 64-bit) so every gateway replica puts the same key on the same arm.
 */
import { z } from 'zod';

export const ARM_ROLES = ['stable', 'canary', 'variant'] as const;
export type ArmRole = (typeof ARM_ROLES)[number];

const versionRef = {
  versionId: z.string().min(1, 'versionId is required'),
  version: z.number().int().positive('version is a positive integer'),
};

export const armSchema = z.object({
  ...versionRef,
  weight: z.number().int('weights are whole percentages').min(0, 'weights lie in 0..100').max(100, 'weights lie in 0..100'),
  role: z.enum(ARM_ROLES, { message: `role is one of ${ARM_ROLES.join(', ')}` }),
});

export const stickySchema = z.object({
  source: z.enum(['header', 'input'], { message: 'sticky source is header or input' }),
  name: z.string().min(1, 'sticky name is required').max(256, 'sticky name is at most 256 characters'),
});

export const MAX_ARMS = 10;
export const MAX_SHADOWS = 5;

export const trafficPolicySchema = z
  .object({
    arms: z.array(armSchema).min(1, 'A policy has at least one arm').max(MAX_ARMS, `A policy has at most ${MAX_ARMS} arms`),
    sticky: stickySchema.nullable(),
    shadows: z.array(z.object(versionRef)).max(MAX_SHADOWS, `A policy has at most ${MAX_SHADOWS} shadows`),
  })
  .superRefine((p, ctx) => {
    const problem = policyProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export type Arm = z.infer<typeof armSchema>;
export type TrafficPolicy = z.infer<typeof trafficPolicySchema>;
export type VersionRef = { versionId: string; version: number };

/** What is wrong with a policy's arms and shadows taken together, or null. */
export function policyProblem(p: { arms: readonly Arm[]; shadows: readonly VersionRef[] }): string | null {
  const sum = p.arms.reduce((s, a) => s + a.weight, 0);
  if (sum !== 100) return `Arm weights add up to ${sum}; they must add up to 100`;
  const canaries = p.arms.filter((a) => a.role === 'canary').length;
  const stables = p.arms.filter((a) => a.role === 'stable').length;
  if (canaries > 1) return 'A policy has at most one canary';
  if (stables > 1) return 'A policy has at most one stable arm';
  if (canaries === 1 && stables !== 1) return 'A canary needs a stable arm beside it';
  const seen = new Set<string>();
  for (const v of [...p.arms, ...p.shadows]) {
    if (seen.has(v.versionId)) return `Version ${v.version} appears more than once in the policy`;
    seen.add(v.versionId);
  }
  return null;
}

/** A traffic policy that breaks the rules above; the message is for the caller (BAD_USER_INPUT). */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
}

/** Parses a policy; throws the first problem as a `PolicyError`. */
export function parseTrafficPolicy(value: unknown): TrafficPolicy {
  const r = trafficPolicySchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new PolicyError(`${where}${issue?.message ?? 'Invalid traffic policy'}`);
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** FNV-1a over the key's UTF-8 bytes, 64-bit. */
export function fnv1a64(key: string): bigint {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(key)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK64;
  }
  return h;
}

/**
 * A key's point in [0, 1): the hash's top 53 bits over 2^53. FNV-1a's low bits mix poorly for short
 * keys that differ in their last byte, so a final avalanche step (murmur3's fmix64) spreads them first.
 */
export function stickyPoint(key: string): number {
  let h = fnv1a64(key);
  h ^= h >> 33n;
  h = (h * 0xff51afd7ed558ccdn) & MASK64;
  h ^= h >> 33n;
  h = (h * 0xc4ceb9fe1a85ec53n) & MASK64;
  h ^= h >> 33n;
  return Number(h >> 11n) / 2 ** 53;
}

/**
 * The arm that answers: the one whose slice of [0, 100) holds the point. The point comes from the
 * sticky key when there is one (the same key lands on the same arm while the weights stay), else from
 * `random` (a function returning [0, 1), like Math.random). Arms with weight 0 never answer.
 */
export function chooseArm(policy: Pick<TrafficPolicy, 'arms'>, opts: { stickyKey?: string | null; random: () => number }): Arm {
  const point = (opts.stickyKey !== undefined && opts.stickyKey !== null ? stickyPoint(opts.stickyKey) : opts.random()) * 100;
  let upTo = 0;
  let last: Arm | undefined;
  for (const arm of policy.arms) {
    if (arm.weight === 0) continue;
    upTo += arm.weight;
    last = arm;
    if (point < upTo) return arm;
  }
  // Only a random source returning 1 (or more) reaches here: the last arm that takes traffic answers.
  if (!last) throw new PolicyError('The policy has no arm with a weight');
  return last;
}

/** The one version answering everything. */
export function stableOnly(v: VersionRef): TrafficPolicy {
  return { arms: [{ versionId: v.versionId, version: v.version, weight: 100, role: 'stable' }], sticky: null, shadows: [] };
}

function stableOf(policy: TrafficPolicy): Arm {
  const stable = policy.arms.find((a) => a.role === 'stable');
  if (!stable) throw new PolicyError('The policy has no stable arm');
  return stable;
}

/**
 * The stable arm and a canary taking `weight` percent of its traffic (a canary already there has its
 * weight changed). Other arms are dropped: a canary compares one new version with the stable one.
 * The canary's version stops being a shadow.
 */
export function withCanary(policy: TrafficPolicy, v: VersionRef, weight: number): TrafficPolicy {
  const stable = stableOf(policy);
  if (stable.versionId === v.versionId) throw new PolicyError(`Version ${v.version} is already the stable version`);
  return parseTrafficPolicy({
    arms: [
      { ...stable, weight: 100 - weight },
      { versionId: v.versionId, version: v.version, weight, role: 'canary' },
    ],
    sticky: policy.sticky,
    shadows: policy.shadows.filter((s) => s.versionId !== v.versionId),
  });
}

function canaryOf(policy: TrafficPolicy): Arm {
  const canary = policy.arms.find((a) => a.role === 'canary');
  if (!canary) throw new PolicyError('The policy has no canary');
  return canary;
}

/** The canary becomes the stable version with all the traffic. */
export function promoteCanary(policy: TrafficPolicy): TrafficPolicy {
  const canary = canaryOf(policy);
  return { ...stableOnly(canary), sticky: policy.sticky, shadows: policy.shadows };
}

/** All traffic back on the stable version; the canary leaves the policy. */
export function rollBackCanary(policy: TrafficPolicy): TrafficPolicy {
  canaryOf(policy);
  return { ...stableOnly(stableOf(policy)), sticky: policy.sticky, shadows: policy.shadows };
}

/** Every version the policy names (arms, then shadows): the ones whose runtimes must be up. */
export function policyVersions(policy: TrafficPolicy): VersionRef[] {
  return [...policy.arms, ...policy.shadows].map((v) => ({ versionId: v.versionId, version: v.version }));
}
