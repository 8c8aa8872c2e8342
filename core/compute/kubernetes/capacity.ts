import type { V1Node } from '@kubernetes/client-node';
import type { ClusterCapacity, GpuPool } from '../compute-backend';
import { DEFAULT_GPU_TYPE_LABEL, GPU_RESOURCE } from './manifests';

const QUANTITY_SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** A Kubernetes resource quantity (`7910m`, `32856660Ki`, `1e3`) in base units; NaN when unparseable. */
export function parseQuantity(q: string | number | undefined | null): number {
  if (q === undefined || q === null) return 0;
  if (typeof q === 'number') return q;
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?\s*$/.exec(q);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] !== undefined ? 10 ** Number(m[2]) : QUANTITY_SUFFIX[m[3] ?? '']!);
}

/** Schedulable capacity: allocatable CPU and memory of ready, uncordoned nodes, GPUs pooled by type label (with each type's largest node). */
export function capacityFromNodes(nodes: V1Node[], gpuTypeLabel = DEFAULT_GPU_TYPE_LABEL): ClusterCapacity {
  let cpu = 0;
  let memory = 0;
  const pools = new Map<string, GpuPool>();
  for (const node of nodes) {
    if (node.spec?.unschedulable) continue;
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready && ready.status !== 'True') continue;
    const alloc = node.status?.allocatable ?? {};
    cpu += parseQuantity(alloc.cpu) || 0;
    memory += parseQuantity(alloc.memory) || 0;
    const gpus = Math.floor(parseQuantity(alloc[GPU_RESOURCE]) || 0);
    if (gpus > 0) {
      const gpuType = node.metadata?.labels?.[gpuTypeLabel] || 'unlabelled';
      const pool = pools.get(gpuType) ?? { gpuType, allocatable: 0, nodes: 0, largestNode: 0 };
      pool.allocatable += gpus;
      pool.nodes += 1;
      pool.largestNode = Math.max(pool.largestNode, gpus);
      pools.set(gpuType, pool);
    }
  }
  return {
    cpuCores: Math.round(cpu * 1000) / 1000,
    memoryMiB: Math.floor(memory / 2 ** 20),
    gpus: [...pools.values()].sort((a, b) => a.gpuType.localeCompare(b.gpuType)),
  };
}

