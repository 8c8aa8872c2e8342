import { describe, expect, it } from 'vitest';
import {
  chooseArm,
  fnv1a64,
  parseTrafficPolicy,
  PolicyError,
  policyVersions,
  promoteCanary,
  rollBackCanary,
  stableOnly,
  stickyPoint,
  type TrafficPolicy,
  withCanary,
} from './routing';

const v1 = { versionId: 'mv_1', version: 1 };
const v2 = { versionId: 'mv_2', version: 2 };
const v3 = { versionId: 'mv_3', version: 3 };

/** A seeded random source (mulberry32), so a statistical test fails or passes the same way every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** |observed - n p| within `sigmas` standard deviations of a binomial(n, p). */
function withinBinomial(observed: number, n: number, p: number, sigmas = 4.5): boolean {
  return Math.abs(observed - n * p) <= sigmas * Math.sqrt(n * p * (1 - p));
}

describe('traffic policy rules', () => {
  it('accepts a stable version alone, a canary beside it, A/B variants with a sticky key, shadows', () => {
    expect(parseTrafficPolicy(stableOnly(v1))).toEqual(stableOnly(v1));
    expect(() => parseTrafficPolicy(withCanary(stableOnly(v1), v2, 10))).not.toThrow();
    expect(() =>
      parseTrafficPolicy({
        arms: [
          { ...v1, weight: 50, role: 'variant' },
          { ...v2, weight: 50, role: 'variant' },
        ],
        sticky: { source: 'header', name: 'x-user-id' },
        shadows: [v3],
      }),
    ).not.toThrow();
  });

  it.each([
    [{ arms: [{ ...v1, weight: 90, role: 'stable' }], sticky: null, shadows: [] }, 'Arm weights add up to 90; they must add up to 100'],
    [{ arms: [{ ...v1, weight: 100.5, role: 'stable' }], sticky: null, shadows: [] }, 'arms.0.weight: weights are whole percentages'],
    [{ arms: [{ ...v1, weight: -10, role: 'stable' }, { ...v2, weight: 110, role: 'canary' }], sticky: null, shadows: [] }, 'arms.0.weight: weights lie in 0..100'],
    [{ arms: [{ ...v1, weight: 90, role: 'variant' }, { ...v2, weight: 10, role: 'canary' }], sticky: null, shadows: [] }, 'A canary needs a stable arm beside it'],
    [{ arms: [{ ...v1, weight: 80, role: 'stable' }, { ...v2, weight: 10, role: 'canary' }, { ...v3, weight: 10, role: 'canary' }], sticky: null, shadows: [] }, 'A policy has at most one canary'],
    [{ arms: [{ ...v1, weight: 50, role: 'stable' }, { ...v2, weight: 50, role: 'stable' }], sticky: null, shadows: [] }, 'A policy has at most one stable arm'],
    [{ arms: [{ ...v1, weight: 50, role: 'variant' }, { ...v1, weight: 50, role: 'variant' }], sticky: null, shadows: [] }, 'Version 1 appears more than once in the policy'],
    [{ arms: [{ ...v1, weight: 100, role: 'stable' }], sticky: null, shadows: [v1] }, 'Version 1 appears more than once in the policy'],
    [{ arms: [], sticky: null, shadows: [] }, 'arms: A policy has at least one arm'],
    [{ arms: Array.from({ length: 11 }, (_, i) => ({ versionId: `mv_${i}`, version: i + 1, weight: i === 0 ? 100 : 0, role: 'variant' })), sticky: null, shadows: [] }, 'arms: A policy has at most 10 arms'],
    [{ arms: [{ ...v1, weight: 100, role: 'stable' }], sticky: null, shadows: Array.from({ length: 6 }, (_, i) => ({ versionId: `mv_s${i}`, version: 10 + i })) }, 'shadows: A policy has at most 5 shadows'],
    [{ arms: [{ ...v1, weight: 100, role: 'stable' }], sticky: { source: 'cookie', name: 'u' }, shadows: [] }, 'sticky.source: sticky source is header or input'],
    [{ arms: [{ ...v1, weight: 100, role: 'boss' }], sticky: null, shadows: [] }, 'arms.0.role: role is one of stable, canary, variant'],
  ])('refuses %j: %s', (policy, message) => {
    expect(() => parseTrafficPolicy(policy)).toThrow(new PolicyError(message));
  });

  it('moves a canary through its life: added, reweighted, promoted or rolled back', () => {
    const base: TrafficPolicy = { ...stableOnly(v1), sticky: { source: 'input', name: 'customer_id' }, shadows: [v2, v3] };
    const canary = withCanary(base, v2, 5);
    expect(canary.arms).toEqual([
      { ...v1, weight: 95, role: 'stable' },
      { ...v2, weight: 5, role: 'canary' },
    ]);
    expect(canary.shadows).toEqual([v3]);
    expect(canary.sticky).toEqual(base.sticky);
    const stepped = withCanary(canary, v2, 25);
    expect(stepped.arms.map((a) => a.weight)).toEqual([75, 25]);
    expect(promoteCanary(stepped)).toEqual({ arms: [{ ...v2, weight: 100, role: 'stable' }], sticky: base.sticky, shadows: [v3] });
    expect(rollBackCanary(stepped)).toEqual({ arms: [{ ...v1, weight: 100, role: 'stable' }], sticky: base.sticky, shadows: [v3] });
    expect(policyVersions(stepped)).toEqual([v1, v2, v3]);
    expect(() => withCanary(canary, v1, 10)).toThrow(new PolicyError('Version 1 is already the stable version'));
    expect(() => withCanary(canary, v3, 101)).toThrow(PolicyError);
    expect(() => promoteCanary(base)).toThrow(new PolicyError('The policy has no canary'));
    expect(() => rollBackCanary(base)).toThrow(new PolicyError('The policy has no canary'));
  });
});

describe('chooseArm', () => {
  const canary10 = withCanary(stableOnly(v1), v2, 10);

  it('sends 10,000 requests to a 10% canary within a binomial tolerance', () => {
    const n = 10_000;
    const random = seeded(20240611);
    let canary = 0;
    for (let i = 0; i < n; i++) if (chooseArm(canary10, { random }).role === 'canary') canary++;
    expect(withinBinomial(canary, n, 0.1), `${canary} of ${n} on the canary`).toBe(true);
  });

  it('walks the weights as slices of [0, 1): edges, zero weights and a random source at 1', () => {
    const abc: TrafficPolicy = {
      arms: [
        { ...v1, weight: 20, role: 'variant' },
        { ...v2, weight: 0, role: 'variant' },
        { ...v3, weight: 80, role: 'variant' },
      ],
      sticky: null,
      shadows: [],
    };
    expect(chooseArm(abc, { random: () => 0 }).versionId).toBe('mv_1');
    expect(chooseArm(abc, { random: () => 0.1999 }).versionId).toBe('mv_1');
    expect(chooseArm(abc, { random: () => 0.2 }).versionId).toBe('mv_3');
    expect(chooseArm(abc, { random: () => 0.99999 }).versionId).toBe('mv_3');
    expect(chooseArm(abc, { random: () => 1 }).versionId).toBe('mv_3');
  });

  it('keeps a sticky key on its arm over 1,000 calls, whatever the random source says', () => {
    const random = seeded(1);
    const first = chooseArm(canary10, { stickyKey: 'customer-42', random });
    for (let i = 0; i < 1000; i++) expect(chooseArm(canary10, { stickyKey: 'customer-42', random })).toBe(first);
  });

  it('splits 10,000 distinct sticky keys near the weights', () => {
    const n = 10_000;
    const ab: TrafficPolicy = {
      arms: [
        { ...v1, weight: 30, role: 'variant' },
        { ...v2, weight: 70, role: 'variant' },
      ],
      sticky: { source: 'header', name: 'x-user' },
      shadows: [],
    };
    const never = () => {
      throw new Error('a sticky choice uses no randomness');
    };
    let a = 0;
    for (let i = 0; i < n; i++) if (chooseArm(ab, { stickyKey: `user-${i}`, random: never }).versionId === 'mv_1') a++;
    expect(withinBinomial(a, n, 0.3), `${a} of ${n} keys on the 30% arm`).toBe(true);
    let canary = 0;
    for (let i = 0; i < n; i++) if (chooseArm(canary10, { stickyKey: String(i), random: never }).role === 'canary') canary++;
    expect(withinBinomial(canary, n, 0.1), `${canary} of ${n} keys on the canary`).toBe(true);
  });

  it('keeps a key on the canary as its weight grows (a key never flips back and forth)', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    const onCanary = (w: number) => new Set(keys.filter((k) => chooseArm(withCanary(stableOnly(v1), v2, w), { stickyKey: k, random: Math.random }).role === 'canary'));
    const at5 = onCanary(5);
    const at25 = onCanary(25);
    for (const k of at5) expect(at25.has(k)).toBe(true);
  });
});

describe('the sticky hash', () => {
  it('is FNV-1a 64 (published test vectors)', () => {
    expect(fnv1a64('')).toBe(0xcbf29ce484222325n);
    expect(fnv1a64('a')).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64('foobar')).toBe(0x85944171f73967e8n);
  });

  it('maps keys into [0, 1), the same way every time, UTF-8 included', () => {
    for (const k of ['', 'a', 'ü', '顧客-1', 'x'.repeat(1000)]) {
      const p = stickyPoint(k);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(1);
      expect(stickyPoint(k)).toBe(p);
    }
  });
});
