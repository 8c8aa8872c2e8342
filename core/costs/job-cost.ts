import type { JobResources } from '../compute/compute-backend';
import type { ClusterPrices } from '../compute/access';

/**
 * What a job costs, in integer micro-dollars: runtime × requested resources ×
 * the cluster's price catalog. Requested (not used) resources are what a
 * cluster reserves, so they are what is charged, as clouds do.
 * A GPU type the catalog does not list is charged at the catalog's highest GPU
 * price, so an unpriced type never runs for free by accident.
 */
export function jobCostMicros(runtimeSeconds: number, resources: JobResources, prices: ClusterPrices): number {
  if (!(runtimeSeconds > 0)) return 0;
  const hours = runtimeSeconds / 3600;
  let gpuHour = 0;
  if (resources.gpuCount > 0) {
    const listed = resources.gpuType ? prices.gpu.find((g) => g.gpuType === resources.gpuType) : undefined;
    gpuHour = listed?.hourMicros ?? Math.max(0, ...prices.gpu.map((g) => g.hourMicros));
  }
  const perHour = resources.cpu * prices.cpuCoreHourMicros + (resources.memoryMiB / 1024) * prices.memoryGibHourMicros + resources.gpuCount * gpuHour;
  return Math.round(hours * perHour);
}

/** `1234567` → `$1.23`; sub-cent amounts keep four decimals so small jobs do not read as free. */
export function formatMicros(micros: number): string {
  const usd = micros / 1_000_000;
  return usd !== 0 && Math.abs(usd) < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}
