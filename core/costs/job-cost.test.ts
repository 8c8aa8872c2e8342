import { describe, expect, it } from 'vitest';
import { formatMicros, jobCostMicros } from './job-cost';

const prices = { cpuCoreHourMicros: 40_000, memoryGibHourMicros: 5_000, gpu: [{ gpuType: 'nvidia-a100', hourMicros: 3_000_000 }, { gpuType: 'nvidia-t4', hourMicros: 350_000 }] };

describe('job cost', () => {
  it('is runtime × requested resources × prices, in whole micro-dollars', () => {
    // 2 cores, 8 GiB, 1 T4 for 30 minutes: (80,000 + 40,000 + 350,000) / 2.
    expect(jobCostMicros(1800, { cpu: 2, memoryMiB: 8192, gpuCount: 1, gpuType: 'nvidia-t4' }, prices)).toBe(235_000);
    expect(jobCostMicros(1, { cpu: 1, memoryMiB: 1024, gpuCount: 0, gpuType: null }, prices)).toBe(13);
    expect(Number.isInteger(jobCostMicros(7.3, { cpu: 0.3, memoryMiB: 100, gpuCount: 0, gpuType: null }, prices))).toBe(true);
  });

  it('charges an unpriced or unnamed GPU type at the highest GPU price, and nothing for no runtime', () => {
    expect(jobCostMicros(3600, { cpu: 0, memoryMiB: 0, gpuCount: 2, gpuType: 'nvidia-h100' }, prices)).toBe(6_000_000);
    expect(jobCostMicros(3600, { cpu: 0, memoryMiB: 0, gpuCount: 1, gpuType: null }, prices)).toBe(3_000_000);
    expect(jobCostMicros(3600, { cpu: 0, memoryMiB: 0, gpuCount: 1, gpuType: 'x' }, { ...prices, gpu: [] })).toBe(0);
    expect(jobCostMicros(0, { cpu: 8, memoryMiB: 1024, gpuCount: 1, gpuType: null }, prices)).toBe(0);
    expect(jobCostMicros(Number.NaN, { cpu: 8, memoryMiB: 1024, gpuCount: 1, gpuType: null }, prices)).toBe(0);
  });

  it('formats micro-dollars so small amounts do not read as free', () => {
    expect(formatMicros(1_234_567)).toBe('$1.23');
    expect(formatMicros(123)).toBe('$0.0001');
    expect(formatMicros(0)).toBe('$0.00');
  });
});
