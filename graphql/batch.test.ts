import { describe, expect, it } from 'vitest';
import { createBatch } from './batch';

/** A loader that records each call's keys and answers `key × 10`, leaving out 13. */
function recording() {
  const calls: number[][] = [];
  const load = async (keys: number[]) => {
    calls.push([...keys]);
    return new Map(keys.filter((k) => k !== 13).map((k) => [k, k * 10]));
  };
  return { calls, load };
}

describe('per-request batch', () => {
  it('loads every key asked for together in one call, including askers that awaited first', async () => {
    const batch = createBatch();
    const { calls, load } = recording();
    const direct = [1, 2, 2, 3].map((k) => batch('n', k, load));
    const awaited = [4, 5].map(async (k) => {
      await Promise.resolve();
      await null;
      return batch('n', k, load);
    });
    expect(await Promise.all([...direct, ...awaited])).toEqual([10, 20, 20, 30, 40, 50]);
    expect(calls).toEqual([[1, 2, 3, 4, 5]]);
  });

  it('keeps answers for the request, answers undefined for a key the loader left out, and keeps names apart', async () => {
    const batch = createBatch();
    const a = recording();
    const b = recording();
    expect(await Promise.all([batch('a', 1, a.load), batch('a', 13, a.load), batch('b', 1, b.load)])).toEqual([10, undefined, 10]);
    expect(await batch('a', 1, a.load)).toBe(10);
    expect(await batch('a', 7, a.load)).toBe(70);
    expect(a.calls).toEqual([[1, 13], [7]]);
    expect(b.calls).toEqual([[1]]);
  });

  it('rejects every asker of a failed load, and tries again on the next ask', async () => {
    const batch = createBatch();
    let fail = true;
    const calls: number[][] = [];
    const load = async (keys: number[]) => {
      calls.push(keys);
      if (fail) throw new Error('database gone');
      return new Map(keys.map((k) => [k, -k]));
    };
    const results = await Promise.allSettled([batch('n', 1, load), batch('n', 2, load)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batch('n', 1, load)).toBe(-1);
    expect(calls).toEqual([[1, 2], [1]]);
  });

  it('does not share answers between requests', async () => {
    const first = recording();
    const second = recording();
    await createBatch()('n', 1, first.load);
    await createBatch()('n', 1, second.load);
    expect(first.calls).toEqual([[1]]);
    expect(second.calls).toEqual([[1]]);
  });
});
