import { describe, expect, it } from 'vitest';
import { ACTIVE_JOB_STATUSES, ENDED_JOB_STATUSES, isActiveJob, isEndedJob, isJobStatus, JOB_STATUSES } from './job-status';

describe('job statuses', () => {
  it('are each either active or ended, never both', () => {
    expect([...ACTIVE_JOB_STATUSES, ...ENDED_JOB_STATUSES].sort()).toEqual([...JOB_STATUSES].sort());
    for (const s of JOB_STATUSES) expect(isActiveJob(s)).toBe(!isEndedJob(s));
  });

  it('knows only its own names', () => {
    expect(isJobStatus('running')).toBe(true);
    expect(isJobStatus('Running')).toBe(false);
    expect(isActiveJob('unknown')).toBe(false);
    expect(isEndedJob('unknown')).toBe(false);
  });
});
