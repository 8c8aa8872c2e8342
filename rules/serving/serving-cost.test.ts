import { describe, expect, it } from 'vitest';
import { servingCosts, servingSeconds } from './serving-cost';

const v1 = { versionId: 'mv_1', version: 1 };
const v2 = { versionId: 'mv_2', version: 2 };
const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 0, min));
const prices = { cpuCoreHourMicros: 40_000, memoryGibHourMicros: 5_000, gpu: [{ gpuType: 'a100', hourMicros: 2_000_000 }] };

describe('serving seconds', () => {
  it('count each revision to the next, clipped to the window, times its replicas', () => {
    const revisions = [
      { at: at(0), replicas: 2, versions: [v1] },
      { at: at(30), replicas: 2, versions: [v1, v2] },
      { at: at(45), replicas: 3, versions: [v2] },
    ];
    expect(servingSeconds(revisions, at(10), at(60))).toEqual([
      // 10→30 and 30→45 at 2 replicas.
      { ...v1, replicaSeconds: (20 + 15) * 60 * 2 },
      // 30→45 at 2, 45→60 at 3.
      { ...v2, replicaSeconds: 15 * 60 * 2 + 15 * 60 * 3 },
    ]);
    // A window before the first revision, or one that ends before it starts, counts nothing.
    expect(servingSeconds(revisions, new Date(at(0).getTime() - 3_600_000), at(0))).toEqual([]);
    expect(servingSeconds([], at(0), at(60))).toEqual([]);
  });
});

describe('cost per 1,000 predictions', () => {
  it('divides the runtime cost (the job cost rule) by the version’s requests', () => {
    const costs = servingCosts(
      [
        { ...v1, replicaSeconds: 3600 },
        { ...v2, replicaSeconds: 1800 },
      ],
      new Map([['mv_1', 4000]]),
      { cpu: 2, memoryMiB: 4096, gpuCount: 0, gpuType: null },
      prices,
    );
    // One replica-hour of 2 CPUs and 4 GiB: 2 × 40,000 + 4 × 5,000 = 100,000 micro-dollars.
    expect(costs[0]).toMatchObject({ costMicros: 100_000, requests: 4000, per1000Micros: 25_000 });
    expect(costs[1]).toMatchObject({ costMicros: 50_000, requests: 0, per1000Micros: null });
  });
});
