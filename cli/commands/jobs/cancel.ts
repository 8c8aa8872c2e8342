import type { Context, OptionValues } from '../../command';
import { callGraphQL } from '../../graphql-call';
import { isEndedJob } from '../../../rules/job-status';
import { statusText } from './format';
import { CANCEL_JOB_MUTATION, type JobNode } from './queries';

export async function cancel(ctx: Context, id: string, values: OptionValues) {
  const reason = typeof values.reason === 'string' ? values.reason : undefined;
  const { cancelJob: job } = await callGraphQL<{ cancelJob: JobNode }>(ctx, CANCEL_JOB_MUTATION, { id, reason });
  const human = isEndedJob(job.status)
    ? `Job ${job.id} had already ended (${statusText(job)}); nothing to cancel.`
    : `Cancellation requested for job ${job.id} (${job.status}); it ends 'cancelled' once its workload has stopped.\nWatch it:  gantry jobs show ${job.id}`;
  ctx.out.result(human, { job, alreadyEnded: isEndedJob(job.status) });
}
