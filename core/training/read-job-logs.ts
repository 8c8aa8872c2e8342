import { z } from 'zod';
import { withTenant } from '../tenancy/with-tenant';
import { downloadArtifact } from '../artifacts/download-artifact';
import type { ArtifactStore } from '../artifacts/artifact-store';
import { findCluster } from '../compute/access';
import { backendForCluster } from '../compute/backend-for-cluster';
import { backendJobName, completeUtf8Length, type ComputeBackend } from '../compute/compute-backend';
import { isAppError } from '../errors';
import type { Cluster } from '../../db/schema';
import { assertCan, type TenantContext } from '../tenancy/context';
import { idSchema, parseInput } from '../validation';
import { findJob } from './access';

export const readJobLogsInput = z.object({
  jobId: idSchema('Job ID'),
  /** Byte offset to read from (the `nextOffset` of the previous read). */
  offset: z.number().int().min(0).default(0),
  /** Which attempt; default the current one. */
  attempt: z.number().int().min(1).max(10).nullish(),
});

export interface JobLogs {
  text: string;
  nextOffset: number;
  attempt: number;
  /** True when the job has ended and every byte has been read: a follower can stop. */
  complete: boolean;
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled']);
const MAX_CHUNK = 256 * 1024;

async function streamToString(body: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/**
 * A job's combined stdout/stderr from `offset` on: live from the backend while
 * the job exists there, from the run artifact once it has been collected.
 */
export async function readJobLogs(
  ctx: TenantContext,
  input: unknown,
  deps: { backendFor?: (c: Cluster) => Promise<ComputeBackend>; artifactStore?: ArtifactStore } = {},
): Promise<JobLogs> {
  assertCan(ctx, 'job:read');
  const data = parseInput(readJobLogsInput, input);
  const { job, cluster } = await withTenant(ctx, async (tx) => {
    const j = await findJob(tx, ctx, data.jobId);
    return { job: j, cluster: await findCluster(tx, ctx, j.clusterId) };
  });
  const attempt = data.attempt ?? job.attempt;
  const ended = ENDED.has(job.status);
  // Logs of an ended job, and of earlier attempts of a running one, are kept as run artifacts.
  if ((ended || attempt < job.attempt) && job.runId && job.logArtifactPath) {
    const path = `gantry/logs/attempt-${attempt}.log`;
    try {
      const file = await downloadArtifact(ctx, { runId: job.runId, path, range: { offset: data.offset, length: MAX_CHUNK } }, { store: deps.artifactStore });
      const raw = await streamToString(file.body);
      // Never split a multi-byte character between two reads.
      const slice = raw.subarray(0, completeUtf8Length(raw) || raw.length);
      const nextOffset = data.offset + slice.length;
      return { text: slice.toString('utf8'), nextOffset, attempt, complete: nextOffset >= file.info.size };
    } catch (e) {
      if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
    }
  }
  if (!job.backendName) return { text: '', nextOffset: data.offset, attempt, complete: ended };
  const backend = await (deps.backendFor ?? backendForCluster)(cluster);
  // A backend that cannot be read says why (the cluster unreachable, a permission missing): an empty answer would read as "no output yet".
  const chunk = await backend.logs(backendJobName(job.id, attempt), data.offset);
  return { text: chunk.text, nextOffset: chunk.nextOffset, attempt, complete: ended && chunk.text === '' };
}
