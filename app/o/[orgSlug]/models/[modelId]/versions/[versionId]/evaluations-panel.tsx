'use client';

import Link from 'next/link';
import { graphql } from '@/app/gql';
import { CheckCircleIcon, ShieldIcon, XCircleIcon } from '@/app/components/icons';
import { JobStatusBadge } from '@/app/components/job-status';
import { useToast } from '@/app/components/toast';
import { Badge, Button, Card, CardHeader, EmptyState, LoadError, Skeleton, cx } from '@/app/components/ui';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { ApiErrorBanner } from '../../../editors';

const EvaluationsQuery = graphql(`
  query VersionEvaluations($versionId: ID!, $modelId: ID!) {
    evaluations(modelVersionId: $versionId) {
      id
      status
      message
      createdAt
      finishedAt
      championVersionId
      results {
        expression
        value
        target
        passed
        detail
      }
      metrics {
        key
        value
      }
      job {
        id
        status
        reason
      }
    }
    evaluationPolicy(modelId: $modelId) {
      id
      checks
    }
  }
`);

const StartEvaluationMutation = graphql(`
  mutation StartEvaluation($versionId: ID!) {
    startEvaluation(modelVersionId: $versionId) {
      id
    }
  }
`);

const TONE = { running: 'blue', passed: 'green', failed: 'red', error: 'amber' } as const;
const fmt = (n: number | null | undefined) => (n == null ? '—' : Number.isInteger(n) ? String(n) : n.toFixed(4));

/**
 * A version's evaluations: each run of the model's evaluation policy, with every
 * check's value, target and verdict. "Evaluate" starts a new one; the panel polls
 * while one runs.
 */
export function EvaluationsPanel({ modelId, versionId }: { modelId: string; versionId: string }) {
  const { org } = useOrg();
  const toast = useToast();
  const canEvaluate = useCan('EVALUATION_WRITE');
  const q = useGqlQuery(EvaluationsQuery, { versionId, modelId }, { refetchInterval: (d) => (d?.evaluations.some((e) => e.status === 'running') ? 2000 : false) });
  const start = useGqlMutation(StartEvaluationMutation);
  const policy = q.data?.evaluationPolicy;

  return (
    <Card>
      <CardHeader
        title="Evaluations"
        description={policy ? `Checks: ${policy.checks.join(' · ')}` : 'Each run of the model’s evaluation policy on this version.'}
        actions={
          canEvaluate && policy ? (
            <Button
              size="sm"
              loading={start.isPending}
              onClick={() => start.mutate({ versionId }, { onSuccess: () => toast.success('Evaluation started', 'The evaluation job is queued on its cluster.') })}
              data-testid="start-evaluation"
            >
              Evaluate
            </Button>
          ) : null
        }
      />
      <div className="space-y-3 p-5">
        {start.error && <ApiErrorBanner error={start.error} testId="evaluation-error" />}
        {q.isLoading ? (
          <Skeleton className="h-20" />
        ) : q.error ? (
          <LoadError error={q.error} onRetry={() => void q.refetch()} />
        ) : q.data!.evaluations.length === 0 ? (
          <EmptyState
            compact
            icon={<ShieldIcon />}
            title="Not evaluated yet"
            description={
              policy ? (
                'Evaluate this version to check it against the thresholds and the champion.'
              ) : (
                <>
                  The model has no evaluation policy yet:{' '}
                  <Link href={`/o/${org.slug}/models/${modelId}`} className="font-medium text-brand-600 hover:text-brand-700">
                    set one on the model’s page
                  </Link>
                  .
                </>
              )
            }
            testId="evaluations-empty"
          />
        ) : (
          <ol className="space-y-3" data-testid="evaluations">
            {q.data!.evaluations.map((e) => (
              <li key={e.id} className="rounded-lg border border-zinc-200 p-4" data-testid="evaluation" data-status={e.status}>
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <div className="flex items-center gap-2">
                    <Badge tone={TONE[e.status]}>{e.status === 'running' ? 'Running…' : e.status}</Badge>
                    <time className="text-[13px] text-zinc-500" dateTime={e.createdAt} title={formatDateTime(e.createdAt)}>
                      {formatRelative(e.createdAt)}
                    </time>
                  </div>
                  {e.job && (
                    <Link href={`/o/${org.slug}/jobs/${e.job.id}`} className="flex items-center gap-2 text-[13px] font-medium text-brand-700 hover:text-brand-800">
                      Evaluation job <JobStatusBadge status={e.job.status} reason={e.job.reason} />
                    </Link>
                  )}
                </div>
                {e.results.length > 0 && (
                  <table className="mt-3 w-full text-[13px]" data-testid="evaluation-checks">
                    <thead>
                      <tr className="text-left text-zinc-500">
                        <th className="pb-1 font-medium">Check</th>
                        <th className="pb-1 text-right font-medium">Value</th>
                        <th className="pb-1 text-right font-medium">Target</th>
                        <th className="pb-1 pl-4 font-medium">Result</th>
                      </tr>
                    </thead>
                    <tbody>
                      {e.results.map((r) => (
                        <tr key={r.expression} className="border-t border-zinc-100" data-testid="evaluation-check" data-passed={r.passed}>
                          <td className="py-1.5 font-mono text-zinc-800">{r.expression}</td>
                          <td className="py-1.5 text-right tabular-nums">{fmt(r.value)}</td>
                          <td className="py-1.5 text-right tabular-nums text-zinc-500">{fmt(r.target)}</td>
                          <td className="py-1.5 pl-4">
                            <span className={cx('inline-flex items-center gap-1 font-medium', r.passed ? 'text-emerald-700' : 'text-red-700')} title={r.detail}>
                              {r.passed ? <CheckCircleIcon className="size-4" /> : <XCircleIcon className="size-4" />}
                              {r.passed ? 'pass' : 'fail'}
                            </span>
                            <span className="ml-2 text-zinc-500">{r.detail}</span>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
                {e.status === 'error' && e.message && <p className="mt-2 text-[13px] text-amber-800">{e.message}</p>}
              </li>
            ))}
          </ol>
        )}
      </div>
    </Card>
  );
}
