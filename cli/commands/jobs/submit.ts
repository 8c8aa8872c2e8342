import type { Context, OptionValues } from '../../command';
import { usageError, type ExitCode } from '../../exit-codes';
import { callGraphQL } from '../../graphql-call';
import { follow, reportEnded } from './follow';
import { eventLine, statusText } from './format';
import { SUBMIT_JOB_MUTATION, type JobNode } from './queries';

export async function submit(ctx: Context, values: OptionValues): Promise<ExitCode | void> {
  const file = values.file;
  if (typeof file !== 'string' || file === '') throw usageError('Give the job spec file with -f FILE.', 'Usage: gantry jobs submit -f job.yaml [--follow] [--set key=value ...]');
  // The job file's reader brings the job spec's schema, which no other command needs to start.
  const { loadSpec, toSubmitInput, withFieldIssues } = await import('./spec-file');
  const { spec, locate } = await loadSpec(ctx, file, (values.set as string[] | undefined) ?? []);
  let job: JobNode;
  try {
    job = (await callGraphQL<{ submitTrainingJob: JobNode }>(ctx, SUBMIT_JOB_MUTATION, { input: toSubmitInput(spec) })).submitTrainingJob;
  } catch (e) {
    throw withFieldIssues(e, locate);
  }
  if (!values.follow) {
    ctx.out.result(
      [
        `Submitted job ${job.id} (${job.name}) to cluster ${job.cluster.name}: ${statusText(job)}.`,
        `Follow it:  gantry jobs logs ${job.id} --follow`,
        `Cancel it:  gantry jobs cancel ${job.id}`,
      ].join('\n'),
      { job },
    );
    return;
  }
  ctx.out.progress(`==> Submitted job ${job.id} (${job.name}) to cluster ${job.cluster.name}. Ctrl-C stops following; the job keeps running.`);
  for (const ev of job.events) ctx.out.progress(eventLine(ev, job.maxAttempts));
  const ended = await follow(ctx, job.id, { logs: !ctx.out.json, events: true, seenEvents: job.events.length });
  return reportEnded(ctx, ended);
}
