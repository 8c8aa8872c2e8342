import type { JobSpec } from '../../rules/job-spec';

/** The spec as stored on the job row: validated, with the cluster and project resolved to IDs. */
export interface ResolvedJobSpec extends Omit<JobSpec, 'project' | 'cluster' | 'experiment' | 'python'> {
  /** Absent in specs stored before jobs named Python requirements. */
  python?: JobSpec['python'];
  projectId: string;
  clusterId: string;
  experimentId: string;
  /** Set by Gantry, not the user: the GANTRY_* context of evaluations and retraining. */
  systemEnv: Record<string, string>;
}
