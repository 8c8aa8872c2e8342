import { jobCostMicros, type ChargedResources, type PriceCatalog } from '../money';

/** A traffic policy a deployment had from `at` on, as its revisions record it. */
export interface Revision {
  at: Date;
  replicas: number;
  /** The versions that had a runtime then: arms with weight (a weight-0 arm is warm too) and shadows. */
  versions: readonly { versionId: string; version: number }[];
}

export interface VersionServing {
  versionId: string;
  version: number;
  /** Seconds the version had runtimes in the window, times their replicas. */
  replicaSeconds: number;
}

/**
 * How long each version had runtimes inside [from, to): every revision counts from its own time to
 * the next revision's (the last to `to`), clipped to the window, times its replicas. A version
 * named by two revisions in a row serves across both.
 */
export function servingSeconds(revisions: readonly Revision[], from: Date, to: Date): VersionServing[] {
  const sorted = [...revisions].sort((a, b) => a.at.getTime() - b.at.getTime());
  const out = new Map<string, VersionServing>();
  sorted.forEach((r, i) => {
    const start = Math.max(r.at.getTime(), from.getTime());
    const end = Math.min(sorted[i + 1]?.at.getTime() ?? to.getTime(), to.getTime());
    if (end <= start) return;
    for (const v of r.versions) {
      const s = out.get(v.versionId) ?? { versionId: v.versionId, version: v.version, replicaSeconds: 0 };
      s.replicaSeconds += ((end - start) / 1000) * r.replicas;
      out.set(v.versionId, s);
    }
  });
  return [...out.values()].sort((a, b) => a.version - b.version);
}

export interface VersionCost extends VersionServing {
  costMicros: number;
  requests: number;
  /** Micro-dollars per 1,000 predictions; null when the version answered none in the window. */
  per1000Micros: number | null;
}

/** Each version's runtime cost in the window (the job cost rule: seconds × resources × prices) and per 1,000 predictions. */
export function servingCosts(serving: readonly VersionServing[], requests: ReadonlyMap<string, number>, resources: ChargedResources, prices: PriceCatalog): VersionCost[] {
  return serving.map((s) => {
    const costMicros = jobCostMicros(s.replicaSeconds, resources, prices);
    const n = requests.get(s.versionId) ?? 0;
    return { ...s, costMicros, requests: n, per1000Micros: n > 0 ? Math.round((costMicros * 1000) / n) : null };
  });
}
