import type { Context, OptionValues } from '../../command';
import { usageError } from '../../exit-codes';
import { callGraphQL } from '../../graphql-call';
import { formatTable, shortTime } from '../../table';
import { isJobStatus, JOB_STATUSES } from '../../../rules/job-status';
import { formatMicros } from '../../../rules/money';
import { formatDuration, gpuText, runtimeOf, statusText } from './format';
import { JOBS_LIST_QUERY, type JobListNode } from './queries';

function limitOf(values: OptionValues): number {
  const raw = values.limit;
  if (raw === undefined) return 50;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw usageError(`--limit must be a whole number from 1 to 100, got '${String(raw)}'.`);
  return n;
}

function statusesOf(values: OptionValues): string[] | undefined {
  const raw = (values.status as string[] | undefined) ?? [];
  const statuses = raw.flatMap((s) => s.split(',')).map((s) => s.trim().toLowerCase()).filter(Boolean);
  const bad = statuses.find((s) => !isJobStatus(s));
  if (bad) throw usageError(`Unknown status '${bad}'.`, `Statuses: ${JOB_STATUSES.join(', ')}.`);
  return statuses.length ? [...new Set(statuses)] : undefined;
}

export async function list(ctx: Context, values: OptionValues) {
  const status = statusesOf(values);
  const data = await callGraphQL<{ jobs: { edges: { node: JobListNode }[]; pageInfo: { hasNextPage: boolean } } }>(ctx, JOBS_LIST_QUERY, { first: limitOf(values), status });
  const jobs = data.jobs.edges.map((e) => e.node);
  const more = data.jobs.pageInfo.hasNextPage;
  const human = jobs.length
    ? formatTable([
        ['ID', 'NAME', 'STATUS', 'CLUSTER', 'GPU', 'RUNTIME', 'COST', 'CREATED'],
        ...jobs.map((j) => [j.id, j.name, statusText(j), j.cluster.name, gpuText(j.resources), formatDuration(runtimeOf(j)), formatMicros(j.costMicros, '-'), shortTime(j.createdAt)]),
      ]) + (more ? '\n(more jobs: raise --limit or narrow with --status)' : '')
    : status
      ? `No ${status.join(' or ')} jobs.`
      : 'No jobs.';
  ctx.out.result(human, { jobs, hasMore: more });
}
