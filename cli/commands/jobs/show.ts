import type { Context } from '../../command';
import { callGraphQL } from '../../graphql-call';
import { formatTable } from '../../table';
import { isEndedJob } from '../../../rules/job-status';
import { formatMicros } from '../../../rules/money';
import { formatDuration, fullTime, indentDetail, runtimeOf, statusText } from './format';
import { JOB_SHOW_QUERY, type JobNode } from './queries';

export async function show(ctx: Context, id: string) {
  const { job } = await callGraphQL<{ job: JobNode }>(ctx, JOB_SHOW_QUERY, { id });
  const r = job.resources;
  const resources = [`${r.cpu} CPU`, `${r.memoryMiB} MiB`, ...(r.gpuCount > 0 ? [`${r.gpuCount} GPU${r.gpuCount > 1 ? 's' : ''}${r.gpuType ? ` (${r.gpuType})` : ''}`] : [])].join(', ');
  const measured = [
    job.cpuSeconds != null ? `CPU time ${formatDuration(job.cpuSeconds)}` : null,
    job.peakMemoryMiB != null ? `peak memory ${Math.round(job.peakMemoryMiB)} MiB` : null,
  ].filter(Boolean);
  const lines = [
    `Job ${job.name} (${job.id})`,
    `  Status:         ${statusText(job)}${job.message ? `: ${job.message}` : ''}${job.cancelRequested && !isEndedJob(job.status) ? ' (cancel requested)' : ''}`,
    ...(job.status === 'failed' && job.failureDetail ? ['  Why, from its log:', indentDetail(job.failureDetail)] : []),
    `  Attempt:        ${job.attempt} of ${job.maxAttempts}`,
    `  Project:        ${job.projectId}`,
    `  Cluster:        ${job.cluster.name} (${job.cluster.id})`,
    ...(job.image ? [`  Image:          ${job.image}`] : []),
    `  Command:        ${job.command.join(' ')}`,
    ...(job.pythonRequirements.length ? [`  Python:         ${job.pythonRequirements.join(', ')}`] : []),
    `  Resources:      ${resources}`,
    `  Max runtime:    ${formatDuration(job.maxRuntimeSeconds)}`,
    `  Hyperparams:    ${job.hyperparameters.map((h) => `${h.key}=${h.value}`).join(', ') || '-'}`,
    `  Created:        ${fullTime(job.createdAt)}   Started: ${fullTime(job.startedAt)}   Finished: ${fullTime(job.finishedAt)}`,
    `  Runtime:        ${formatDuration(runtimeOf(job))}${measured.length ? ` (${measured.join(', ')})` : ''}`,
    `  Cost:           ${formatMicros(job.costMicros, '-')}`,
    `  Experiment:     ${job.experimentId}`,
    `  Run:            ${job.runId ?? '-'}`,
    `  Model version:  ${job.modelVersionId ? `${job.modelVersionId}${job.registerModelName ? ` (${job.registerModelName})` : ''}` : job.registerModelName ? `- (registers ${job.registerModelName} on success)` : '-'}`,
    '',
    'Timeline:',
    job.events.length
      ? formatTable([['TIME', 'STATUS', 'ATTEMPT', 'REASON', 'MESSAGE'], ...job.events.map((e) => [fullTime(e.occurredAt), e.status, String(e.attempt), e.reason ?? '-', e.message ?? ''])])
      : '  none',
  ];
  ctx.out.result(lines.join('\n'), { job });
}
