'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { graphql } from '@/app/gql';
import type { RunQuery } from '@/app/gql/graphql';
import { IdWithCopy } from '@/app/components/copy-button';
import { ChartIcon, CpuIcon, CubeIcon, DatabaseIcon, FlaskIcon, KeyIcon, LinkIcon } from '@/app/components/icons';
import { AliasChip } from '@/app/components/model-badges';
import { RunStatusBadge } from '@/app/components/run-status';
import { Badge, Breadcrumb, ButtonLink, Card, CardHeader, EmptyState, IconTile, LoadError, PageHeader, Skeleton, Table, TBody, TD, TH, THead } from '@/app/components/ui';
import { costsLink } from '@/app/lib/costs';
import { formatDateTime, formatShortDateTime } from '@/app/lib/format';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { formatDuration, formatMetric, isSystemTag, runDuration, runSource, toNumber } from '@/app/lib/tracking';
import { formatMicros } from '@/rules/money';
import { ArtifactsPanel } from './artifacts-panel';
import { MetricChart } from './metric-chart';

const RunQuery = graphql(`
  query Run($id: ID!) {
    run(id: $id) {
      id
      name
      status
      lifecycleStage
      startTime
      endTime
      createdBy {
        kind
        user {
          name
          email
        }
        apiKey {
          name
          prefix
        }
      }
      job {
        id
        name
      }
      costMicros
      singleValueMetrics
      params {
        key
        value
      }
      tags {
        key
        value
      }
      latestMetrics {
        key
        value
        step
      }
      inputs {
        name
        digest
        source
        sourceType
        schema
        tags {
          key
          value
        }
      }
      experiment {
        id
        name
        project {
          id
          name
        }
      }
      modelVersions {
        id
        modelId
        modelName
        version
        aliases
      }
    }
  }
`);

function latestOf(metrics: { key: string; step: number; value: unknown }[], key: string) {
  const m = metrics.find((x) => x.key === key);
  return m ? { step: m.step, value: toNumber(m.value) } : null;
}

function Detail({ label, children, testId, sub }: { label: string; children: React.ReactNode; testId?: string; sub?: React.ReactNode }) {
  return (
    <div className="min-w-0 px-5 py-3">
      <dt className="text-xs font-medium text-zinc-500">{label}</dt>
      <dd className="mt-1 truncate text-sm text-zinc-900" data-testid={testId}>
        {children}
      </dd>
      {sub && <dd className="mt-0.5 truncate text-xs text-zinc-500">{sub}</dd>}
    </div>
  );
}

type RunData = NonNullable<RunQuery['run']>;

/**
 * Who created the run in Gantry: the job that logged it (and who submitted it), the API key a
 * tool used (and whose it is), or the user. The client's own notion of its user, the OS account
 * in the `mlflow.user` tag, stays among the tags: it says nothing about who may act here.
 */
function CreatedBy({ run, orgSlug }: { run: RunData; orgSlug: string }) {
  const by = run.createdBy;
  const person = by?.user ? by.user.name || by.user.email : null;
  if (run.job) {
    return (
      <Detail
        label="Created by"
        testId="run-created-by"
        sub={
          <>
            submitted by <span className="text-zinc-700">{person ?? 'a removed user'}</span>
          </>
        }
      >
        <Link href={`/o/${orgSlug}/jobs/${run.job.id}`} className="inline-flex max-w-full items-center gap-1.5 hover:text-brand-700" title={`Job ${run.job.name}`}>
          <CpuIcon className="size-3.5 shrink-0 text-zinc-400" />
          <span className="truncate">Job {run.job.name}</span>
        </Link>
      </Detail>
    );
  }
  if (by?.apiKey) {
    return (
      <Detail label="Created by" testId="run-created-by" sub={<>API key of {person ?? 'a removed user'}</>}>
        <span className="inline-flex max-w-full items-center gap-1.5" title={`${by.apiKey.name} (${by.apiKey.prefix}…)`}>
          <KeyIcon className="size-3.5 shrink-0 text-zinc-400" />
          <span className="truncate">{by.apiKey.name}</span>
        </span>
      </Detail>
    );
  }
  return (
    <Detail label="Created by" testId="run-created-by" sub={by?.user && by.user.name ? by.user.email : undefined}>
      {person ?? <span className="text-zinc-400">—</span>}
    </Detail>
  );
}

/** "2 yours, 4 set by the client and Gantry below them": always a line, so the Parameters and Tags headers match. */
function tagsSummary(yours: number, system: number): string {
  const set = `${system} set by the client and Gantry`;
  if (yours === 0) return system === 0 ? 'None set' : set;
  return system === 0 ? `${yours} set` : `${yours} yours, ${set} below them`;
}

/** A metric logged once (a final score): its value, not a chart of one point. */
function MetricValue({ metricKey, value, step }: { metricKey: string; value: number; step: number }) {
  return (
    <div className="min-w-0 rounded-xl border border-zinc-200 bg-white px-4 py-3 shadow-xs" data-testid={`metric-value-${metricKey}`}>
      <p className="truncate font-mono text-[12.5px] text-zinc-500" title={metricKey}>
        {metricKey}
      </p>
      <p className="mt-1 text-2xl font-semibold tracking-tight text-zinc-900 tabular-nums" title={String(value)}>
        {formatMetric(value)}
      </p>
      {step !== 0 && <p className="text-xs text-zinc-400">at step {step.toLocaleString('en')}</p>}
    </div>
  );
}

function KeyValueTable({ rows, empty, testId }: { rows: { key: string; value: string }[]; empty: string; testId: string }) {
  if (rows.length === 0) return <p className="px-5 py-6 text-center text-sm text-zinc-400">{empty}</p>;
  return (
    <div className="max-h-96 overflow-y-auto" data-testid={testId}>
      <Table minWidth="min-w-0">
        <THead>
          <TH>Key</TH>
          <TH>Value</TH>
        </THead>
        <TBody>
          {rows.map((r) => (
            <tr key={r.key}>
              <TD className="w-2/5 py-2 font-mono text-[12.5px] text-zinc-500">{r.key}</TD>
              <TD className="py-2 font-mono text-[12.5px] break-all text-zinc-900">{r.value}</TD>
            </tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}

export function RunView({ runId }: { runId: string }) {
  const { org } = useOrg();
  // The run itself polls while it is live: new metric keys, status and end time arrive.
  const q = useGqlQuery(RunQuery, { id: runId }, { refetchInterval: (d) => (d?.run.status === 'RUNNING' ? 3000 : false) });
  const run = q.data?.run;
  const live = run?.status === 'RUNNING';
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [live]);

  const breadcrumb = <Breadcrumb items={[
      { label: 'Projects', href: `/o/${org.slug}/projects` },
      ...(run
        ? [
            { label: run.experiment.project.name, href: `/o/${org.slug}/projects/${run.experiment.project.id}` },
            { label: run.experiment.name, href: `/o/${org.slug}/experiments/${run.experiment.id}` },
          ]
        : [{ label: '…' }]),
      { label: run?.name ?? '…' },
    ]} />;

  if (q.error) {
    return (
      <>
        <PageHeader title="Run" breadcrumb={breadcrumb} />
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  }

  const source = run ? runSource(run) : null;
  const userTags = run?.tags.filter((t) => !isSystemTag(t.key)) ?? [];
  const systemTags = run?.tags.filter((t) => isSystemTag(t.key)) ?? [];
  const metricKeys = [...new Set(run?.latestMetrics.map((m) => m.key) ?? [])].sort();
  const single = new Set(run?.singleValueMetrics ?? []);
  const valueKeys = metricKeys.filter((k) => single.has(k));
  const chartKeys = metricKeys.filter((k) => !single.has(k));

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          run ? (
            <span className="inline-flex items-center gap-3">
              <IconTile>
                <ChartIcon className="size-5" />
              </IconTile>
              <span data-testid="run-name">{run.name}</span>
              <RunStatusBadge status={run.status} />
              {run.lifecycleStage === 'deleted' && <Badge tone="red">Deleted</Badge>}
            </span>
          ) : (
            <Skeleton className="h-9 w-72" />
          )
        }
        description={
          run ? (
            <IdWithCopy id={run.id} />
          ) : undefined
        }
        actions={
          run && (
            <ButtonLink href={`/o/${org.slug}/experiments/${run.experiment.id}`} variant="secondary">
              <FlaskIcon className="size-4" /> All runs
            </ButtonLink>
          )
        }
      />

      <Card className="mb-6">
        {!run ? (
          <div className="grid grid-cols-2 gap-4 p-5 md:grid-cols-6">
            {Array.from({ length: 6 }, (_, i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : (
          <dl className="grid grid-cols-2 divide-zinc-100 md:grid-cols-[repeat(4,minmax(0,0.8fr))_repeat(2,minmax(0,1.3fr))] md:divide-x">
            <Detail label="Started">
              <span title={formatDateTime(run.startTime)}>{formatShortDateTime(run.startTime)}</span>
            </Detail>
            <Detail label="Ended">
              {run.endTime ? <span title={formatDateTime(run.endTime)}>{formatShortDateTime(run.endTime)}</span> : live ? <span className="text-sky-700">Still running</span> : '—'}
            </Detail>
            <Detail label="Duration" testId="run-duration">
              <span className="tabular-nums">{formatDuration(runDuration(run, now))}</span>
            </Detail>
            <Detail
              label="Cost"
              testId="run-cost"
              sub={
                run.costMicros !== '0' ? (
                  <Link href={costsLink(org.slug, { run: run.id }, '90d')} className="hover:text-brand-700">
                    Its jobs in Costs
                  </Link>
                ) : live && run.job ? (
                  'charged when its job ends'
                ) : (
                  'no charged jobs'
                )
              }
            >
              <span className="tabular-nums">{formatMicros(run.costMicros)}</span>
            </Detail>
            <CreatedBy run={run} orgSlug={org.slug} />
            <Detail label="Source">
              {source?.name ? (
                <span title={source.name} className="font-mono text-[12.5px]">
                  {source.name.split('/').at(-1)}
                  {source.commit && <span className="text-zinc-400"> @ {source.commit.slice(0, 8)}</span>}
                </span>
              ) : (
                <span className="text-zinc-400">—</span>
              )}
            </Detail>
          </dl>
        )}
      </Card>

      <section aria-labelledby="metrics-heading" className="mb-6">
        <div className="mb-3 flex items-baseline justify-between">
          <h2 id="metrics-heading" className="text-[15px] font-semibold text-zinc-900">
            Metrics
          </h2>
          {chartKeys.length > 0 && <p className="text-[13px] text-zinc-500">Drag across a chart to zoom into a step range</p>}
        </div>
        {!run ? (
          <div className="grid gap-4 lg:grid-cols-2">
            <Skeleton className="h-72" />
            <Skeleton className="h-72" />
          </div>
        ) : metricKeys.length === 0 ? (
          <Card>
            <EmptyState
              icon={<ChartIcon />}
              title={live ? 'Waiting for the first metric' : 'No metrics logged'}
              description={live ? 'Charts appear here as soon as the run logs a metric.' : 'This run did not log any metrics.'}
            />
          </Card>
        ) : (
          <div className="space-y-4">
            {valueKeys.length > 0 && (
              <div className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-5" data-testid="metric-values">
                {valueKeys.map((k) => {
                  const m = latestOf(run.latestMetrics, k)!;
                  return <MetricValue key={k} metricKey={k} value={m.value} step={m.step} />;
                })}
              </div>
            )}
            {chartKeys.length > 0 && (
              <div className="grid gap-4 lg:grid-cols-2" data-testid="metric-charts">
                {chartKeys.map((k) => (
                  <MetricChart key={k} runId={run.id} metricKey={k} live={live} latest={latestOf(run.latestMetrics, k)} />
                ))}
              </div>
            )}
          </div>
        )}
      </section>

      {/* Side by side at one height: the longer list scrolls inside its card rather than stretching the row. */}
      <div className="mb-6 grid gap-6 lg:grid-cols-2">
        <Card className="flex flex-col">
          <CardHeader title="Parameters" description={run ? `${run.params.length} logged; fixed once set` : undefined} />
          {run ? <KeyValueTable rows={run.params} empty="No parameters logged" testId="run-params" /> : <Skeleton className="m-5 h-24" />}
        </Card>
        <Card className="flex flex-col">
          <CardHeader
            title="Tags"
            description={run ? tagsSummary(userTags.length, systemTags.length) : undefined}
          />
          {run ? <KeyValueTable rows={[...userTags, ...systemTags]} empty="No tags" testId="run-tags" /> : <Skeleton className="m-5 h-24" />}
        </Card>
      </div>

      <div className="grid items-start gap-6 lg:grid-cols-[1fr_22rem]">
        <ArtifactsPanel runId={runId} />
        <Card>
          <CardHeader
            title={
              <span className="inline-flex items-center gap-2">
                <LinkIcon className="size-4 text-zinc-400" /> Lineage
              </span>
            }
            description="What went into this run, and what came out of it."
          />
          <div className="px-5 py-4">
            <p className="mb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Inputs</p>
            {!run ? (
              <Skeleton className="h-10" />
            ) : run.inputs.length === 0 ? (
              <p className="text-sm text-zinc-400">No datasets logged. Use mlflow.log_input() to record them.</p>
            ) : (
              <ul className="space-y-2" data-testid="run-inputs">
                {run.inputs.map((d) => (
                  <li key={`${d.name}@${d.digest}`} className="flex gap-2.5 rounded-lg border border-zinc-100 px-3 py-2">
                    <DatabaseIcon className="mt-0.5 size-4 shrink-0 text-zinc-400" />
                    <div className="min-w-0">
                      <p className="truncate text-sm font-medium text-zinc-900">{d.name}</p>
                      <p className="truncate font-mono text-[11.5px] text-zinc-500" title={d.source}>
                        {d.sourceType} · {d.digest.slice(0, 10)}
                      </p>
                      {d.tags.find((t) => t.key === 'mlflow.data.context') && (
                        <Badge className="mt-1">{d.tags.find((t) => t.key === 'mlflow.data.context')!.value}</Badge>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            )}
            <p className="mt-4 mb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Outputs</p>
            {!run ? (
              <Skeleton className="h-10" />
            ) : run.modelVersions.length === 0 ? (
              <p className="text-sm text-zinc-400">
                No model versions yet. Register one from a{' '}
                <Link href={`/o/${org.slug}/models`} className="font-medium text-zinc-600 hover:text-zinc-900">
                  model’s page
                </Link>{' '}
                or with mlflow.register_model().
              </p>
            ) : (
              <ul className="space-y-2" data-testid="run-model-versions">
                {run.modelVersions.map((v) => (
                  <li key={v.id}>
                    <Link
                      href={`/o/${org.slug}/models/${v.modelId}/versions/${v.id}`}
                      className="flex gap-2.5 rounded-lg border border-zinc-100 px-3 py-2 hover:border-zinc-200 hover:bg-zinc-50/70"
                    >
                      <CubeIcon className="mt-0.5 size-4 shrink-0 text-zinc-400" />
                      <div className="min-w-0">
                        <p className="truncate text-sm font-medium text-zinc-900">
                          {v.modelName} <span className="text-zinc-500">v{v.version}</span>
                        </p>
                        {v.aliases.length > 0 && (
                          <span className="mt-1 flex flex-wrap gap-1">
                            {v.aliases.map((a) => (
                              <AliasChip key={a} alias={a} />
                            ))}
                          </span>
                        )}
                      </div>
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </div>
        </Card>
      </div>
    </>
  );
}
