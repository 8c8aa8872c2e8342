'use client';

import { graphql } from '@/app/gql';
import type { PlatformStatusQuery as PlatformStatusResult } from '@/app/gql/graphql';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { formatElapsed } from '@/rules/elapsed';
import { AlertIcon } from './icons';
import { Spinner, cx } from './ui';

const PlatformStatusQuery = graphql(`
  query PlatformStatus {
    platformStatus {
      temporal {
        state
        since
        detail
      }
      features {
        key
        name
        state
      }
    }
  }
`);

type Status = PlatformStatusResult['platformStatus'];

/** "Training jobs, evaluations and retraining". */
function listNames(names: string[]): string {
  const lower = names.map((n, i) => (i === 0 ? n : n.charAt(0).toLowerCase() + n.slice(1)));
  return lower.length <= 1 ? (lower[0] ?? '') : `${lower.slice(0, -1).join(', ')} and ${lower.at(-1)}`;
}

function why(temporal: Status['temporal']): string {
  const since = temporal.since ? ` (${formatElapsed(Date.now() - Date.parse(temporal.since))} so far)` : '';
  switch (temporal.state) {
    case 'building':
      return `Gantry is building Temporal, the workflow engine they run on${since}; this happens once per machine.`;
    case 'starting':
      return `Temporal, the workflow engine they run on, is starting${temporal.detail ? `: ${temporal.detail}` : ''}.`;
    case 'failed':
      return 'Temporal, the workflow engine they run on, could not be started; the output of the Gantry command says what to do.';
    default:
      return 'Temporal, the workflow engine they run on, is not reachable.';
  }
}

/**
 * A quiet strip under the header while features wait on Temporal (on a fresh machine its CLI is
 * built after the web app is already up). It polls, and goes away by itself once they are on.
 */
export function PlatformStatusBanner() {
  const { data } = useGqlQuery(PlatformStatusQuery, {}, {
    orgId: null,
    refetchInterval: (d) => (d && d.platformStatus.features.every((f) => f.state === 'ready') ? 60_000 : 5_000),
  });
  const status = data?.platformStatus;
  const waiting = status?.features.filter((f) => f.state !== 'ready') ?? [];
  if (!status || waiting.length === 0) return null;
  const failed = status.temporal.state === 'failed' || status.temporal.state === 'unreachable';
  const names = listNames(waiting.map((f) => f.name));
  const ready = listNames(status.features.filter((f) => f.state === 'ready').map((f) => f.name));
  return (
    <div
      role="status"
      data-testid="platform-status"
      className={cx(
        'flex items-start gap-2.5 border-b px-4 py-2 text-[13px] sm:px-6 lg:px-10',
        failed ? 'border-amber-200 bg-amber-50 text-amber-900' : 'border-zinc-200 bg-zinc-50 text-zinc-700',
      )}
    >
      <span className="mt-0.5 shrink-0">{failed ? <AlertIcon className="size-4 text-amber-600" /> : <Spinner className="size-3.5 text-brand-600" />}</span>
      <p className="min-w-0">
        <span className={cx('font-medium', failed ? 'text-amber-950' : 'text-zinc-900')}>
          {names} {failed ? 'are off for now.' : status.temporal.state === 'building' ? 'switch on in a few minutes.' : 'switch on in a moment.'}
        </span>{' '}
        {why(status.temporal)}
        {ready && !failed && <span className="text-zinc-500"> {ready} work now.</span>}
      </p>
    </div>
  );
}
