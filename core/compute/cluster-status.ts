import { type Cluster } from '../../db/schema';
import { type ClusterValidationReport } from './probe-kubernetes';

export const statusOf = (r: ClusterValidationReport): Cluster['status'] =>
  !r.ok ? (r.checks.some((c) => c.id === 'reachability' && c.status === 'failed') ? 'unreachable' : 'degraded') : r.checks.some((c) => c.status === 'warning') ? 'degraded' : 'ready';

export const stored = (r: ClusterValidationReport) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
