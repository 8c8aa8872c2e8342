import { recordThenStart, startCall } from '../orchestration/record-then-start';
import type { TenantContext } from '../tenancy/context';
import type { JobView } from './access';
import { recordTrainingJob } from './record-training-job';

/**
 * Records a job and starts its workflow (`training-job/<id>`) as one unit: the workflow is
 * started inside the transaction, so a job row never exists without its workflow; its first step
 * waits for the transaction to end, and if the commit fails, it finds no job and ends at once.
 */
export async function submitTrainingJob(ctx: TenantContext, input: unknown): Promise<JobView> {
  return recordThenStart(ctx, {
    async record(tx) {
      const { row, start, audits } = await recordTrainingJob(tx, ctx, input);
      return { row, call: startCall(start), audits };
    },
  });
}
