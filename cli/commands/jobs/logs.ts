import type { Context, OptionValues } from '../../command';
import { usageError, type ExitCode } from '../../exit-codes';
import { callGraphQL } from '../../graphql-call';
import { follow, logWriter, reportEnded } from './follow';
import { JOB_LOGS_QUERY, type LogChunk } from './queries';

function attemptOf(values: OptionValues): number | undefined {
  if (values.attempt === undefined) return undefined;
  const n = Number(values.attempt);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--attempt must be a whole number from 1, got '${String(values.attempt)}'.`);
  return n;
}

export async function logs(ctx: Context, id: string, values: OptionValues): Promise<ExitCode | void> {
  const attempt = attemptOf(values);
  if (values.follow) {
    if (ctx.out.json) throw usageError('--follow streams the log as text; --json cannot stream.', `Drop --follow for the log so far as JSON, or wait with: gantry jobs logs ${id} --follow`);
    return reportEnded(ctx, await follow(ctx, id, { logs: true, events: false, attempt }), attempt);
  }
  // The server answers at most 256 KiB a time: read until it has nothing more.
  let offset = 0;
  let text = '';
  let chunk: LogChunk;
  const log = logWriter(ctx);
  do {
    chunk = (await callGraphQL<{ jobLogs: LogChunk }>(ctx, JOB_LOGS_QUERY, { id, offset, attempt })).jobLogs;
    text += chunk.text;
    offset = chunk.nextOffset;
    if (!ctx.out.json) log.write(chunk.text);
  } while (chunk.text !== '' && !chunk.complete);
  if (ctx.out.json) ctx.out.result('', { jobId: id, attempt: chunk.attempt, text, nextOffset: offset, complete: chunk.complete });
  else if (text !== '') log.end();
  else ctx.out.progress(chunk.complete ? `(attempt ${chunk.attempt} of job ${id} wrote no log)` : `(no log yet from attempt ${chunk.attempt} of job ${id})`);
}
