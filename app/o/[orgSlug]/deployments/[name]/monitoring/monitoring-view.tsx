'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { MonitoringQuery } from '@/app/gql/graphql';
import { AlertIcon, CheckCircleIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import { Badge, Banner, Breadcrumb, Button, Card, CardBody, CardHeader, EmptyState, LoadError, PageHeader, Skeleton, Spinner, Table, TBody, TD, TH, THead } from '@/app/components/ui';
import { formatRelative } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { HistogramCompare, Sparkline } from './drift-charts';
import { AlertRulesEditor } from './alert-rules-editor';
import { DeploymentTabs } from '../deployment-tabs';
import { ApiErrorBanner } from '../../../models/editors';

const Monitoring = graphql(`
  query Monitoring($name: String!) {
    deploymentMonitoring(name: $name) {
      deploymentId
      deploymentName
      modelId
      modelName
      monitor {
        enabled
        intervalMinutes
        windowMinutes
        baselineSamples
        lastRun {
          workflowId
          startedAt
          status
        }
      }
      rules {
        id
        name
        metric
        feature
        comparator
        threshold
        windowMinutes
        cooldownMinutes
        enabled
        retrainingPolicyId
        lastNotifiedAt
      }
      versions {
        modelVersionId
        version
        baseline {
          source
          sourceLabel
          fallbackReason
          rows
          createdAt
          features {
            key
            column
            kind
            edges
            counts
            min
            max
            categories {
              category
              count
            }
          }
        }
        latest {
          windowStart
          windowEnd
          requests
          errors
          p95LatencyMs
          samples
          maxPsi
          note
          features {
            key
            kind
            psi
            ksStatistic
            ksPValue
            missingRate
            outOfRangeRate
            unseenRate
            unseen
            counts
            categories {
              category
              count
            }
          }
        }
        history {
          windowEnd
          maxPsi
          features {
            key
            psi
          }
        }
      }
    }
    alerts(includeResolved: false) {
      id
      deploymentId
      ruleName
      status
      count
      notifications
      summary
      firstAt
      lastAt
      retrainingWorkflowId
      retrainingJobId
    }
  }
`);

const SetMonitor = graphql(`
  mutation SetDriftMonitor($deploymentId: ID!, $enabled: Boolean!) {
    setDriftMonitor(deploymentId: $deploymentId, enabled: $enabled) {
      enabled
    }
  }
`);
const RunCheck = graphql(`
  mutation RunDriftCheck($deploymentId: ID!) {
    runDriftCheck(deploymentId: $deploymentId) {
      requestedAt
    }
  }
`);
const Acknowledge = graphql(`
  mutation AcknowledgeAlert($alertId: ID!) {
    acknowledgeAlert(alertId: $alertId)
  }
`);
const Resolve = graphql(`
  mutation ResolveAlert($alertId: ID!) {
    resolveAlert(alertId: $alertId)
  }
`);

type Data = NonNullable<MonitoringQuery['deploymentMonitoring']>;
type Version = Data['versions'][number];
type LastRun = NonNullable<NonNullable<Data['monitor']>['lastRun']>;

/** A check is done once the monitor's newest run started after it was asked for and has ended. */
const checkDone = (run: LastRun | null | undefined, requestedAt: string) => !!run && new Date(run.startedAt).getTime() >= new Date(requestedAt).getTime() && run.status !== 'running';
/** How long after a check the page keeps polling for the training job a retraining run makes. */
const JOB_WATCH_MS = 60_000;

const pct = (x: number | null | undefined) => (x == null ? '—' : `${(x * 100).toFixed(x > 0 && x < 0.01 ? 2 : 1)}%`);

/** PSI as it is usually read: under 0.1 stable, to 0.25 a moderate shift, above that a significant one. */
function PsiCell({ psi }: { psi: number }) {
  const tone = psi >= 0.25 ? 'bg-red-500' : psi >= 0.1 ? 'bg-amber-400' : 'bg-emerald-500';
  const width = Math.min(psi / 0.5, 1) * 100;
  return (
    <div className="flex items-center gap-2">
      <span className="w-12 text-right font-mono text-[13px] tabular-nums text-zinc-800">{psi.toFixed(3)}</span>
      <span className="h-1.5 w-16 overflow-hidden rounded-full bg-zinc-100">
        <span className={`block h-full ${tone}`} style={{ width: `${Math.max(width, 3)}%` }} />
      </span>
    </div>
  );
}

function binLabels(edges: number[]): string[] {
  const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toPrecision(2));
  return edges.slice(0, -1).map((e, i) => `${f(e)}–${f(edges[i + 1]!)}`);
}

function BaselineNote({ v }: { v: Version }) {
  const b = v.baseline;
  if (!b) return null;
  if (b.source === 'live_traffic') {
    return (
      <Banner tone="warning" title="Baseline from live traffic" className="mb-4">
        Profiled from {b.sourceLabel} because {b.fallbackReason}. Drift here is change since those requests, not difference from the training data.
      </Banner>
    );
  }
  return (
    <p className="mb-3 text-[13px] text-zinc-500">
      Baseline: training data <span className="font-medium text-zinc-700">{b.sourceLabel}</span>, {b.rows.toLocaleString()} rows, profiled {formatRelative(b.createdAt)}.
    </p>
  );
}

function DriftTable({ v }: { v: Version }) {
  const latest = v.latest;
  if (!latest) return <EmptyState compact title="No results yet" description="The monitor has not looked at a window with requests to this version." />;
  if (latest.note) return <Banner tone="info">{latest.note}</Banner>;
  const base = new Map((v.baseline?.features ?? []).map((f) => [f.key, f]));
  const history = (key: string) => v.history.map((h) => h.features.find((f) => f.key === key)?.psi ?? 0);
  return (
    <Table minWidth="min-w-[880px]">
      <THead>
        <TH>Feature</TH>
        <TH>PSI</TH>
        <TH>PSI, last 24 h</TH>
        <TH>KS</TH>
        <TH>Missing</TH>
        <TH>Out of range / unseen</TH>
        <TH>Live vs baseline</TH>
      </THead>
      <TBody>
        {latest.features.map((f) => {
          const b = base.get(f.key);
          const numeric = f.kind === 'numeric';
          return (
            <tr key={f.key} data-testid={`drift-row-${f.key}`}>
              <TD dense>
                <div className="font-mono text-[13px] text-zinc-900">{f.key}</div>
                {b?.column && b.column !== f.key && <div className="text-xs text-zinc-500">{b.column}</div>}
              </TD>
              <TD dense>
                <PsiCell psi={f.psi} />
              </TD>
              <TD dense>
                <Sparkline values={history(f.key)} threshold={0.25} />
              </TD>
              <TD dense>
                {f.ksStatistic == null ? (
                  <span className="text-zinc-400">—</span>
                ) : (
                  <span className="font-mono text-[13px] tabular-nums">
                    {f.ksStatistic.toFixed(3)} <span className={f.ksPValue! < 0.01 ? 'text-red-600' : 'text-zinc-400'}>{f.ksPValue! < 0.001 ? 'p<0.001' : `p=${f.ksPValue!.toFixed(3)}`}</span>
                  </span>
                )}
              </TD>
              <TD dense className="font-mono text-[13px] tabular-nums">
                {pct(f.missingRate)}
              </TD>
              <TD dense className="font-mono text-[13px] tabular-nums">
                {numeric ? pct(f.outOfRangeRate) : pct(f.unseenRate)}
                {!numeric && f.unseen.length > 0 && <div className="max-w-[10rem] truncate text-xs text-zinc-500">new: {f.unseen.join(', ')}</div>}
              </TD>
              <TD dense>
                {numeric ? (
                  <HistogramCompare baseline={b?.counts ?? []} live={f.counts} labels={binLabels(b?.edges ?? [])} />
                ) : (
                  <HistogramCompare
                    baseline={(b?.categories ?? []).map((c) => c.count)}
                    live={(b?.categories ?? []).map((c) => f.categories.find((x) => x.category === c.category)?.count ?? 0)}
                    labels={(b?.categories ?? []).map((c) => c.category)}
                  />
                )}
              </TD>
            </tr>
          );
        })}
      </TBody>
    </Table>
  );
}

function OpenAlerts({ alerts, canWrite, jobsHref }: { alerts: MonitoringQuery['alerts']; canWrite: boolean; jobsHref: string }) {
  const toast = useToast();
  const ack = useGqlMutation(Acknowledge, { onSuccess: () => toast.success('Alert acknowledged') });
  const resolve = useGqlMutation(Resolve, { onSuccess: () => toast.success('Alert resolved') });
  return (
    <Card className="mb-6">
      <CardHeader title="Open alerts" description="One per rule: further breaches count into it; notifications go out at most once per cooldown." />
      {alerts.length === 0 ? (
        <EmptyState compact className="m-4" icon={<CheckCircleIcon />} title="No open alerts" testId="no-open-alerts" />
      ) : (
        <ul className="divide-y divide-zinc-100">
          {alerts.map((a) => (
            <li key={a.id} className="flex flex-wrap items-start gap-3 px-5 py-3" data-testid="open-alert">
              <AlertIcon className="mt-0.5 size-4 shrink-0 text-red-500" />
              <div className="min-w-0 flex-1">
                <p className="text-sm font-medium text-zinc-900">
                  {a.ruleName} <Badge tone={a.status === 'open' ? 'red' : 'amber'}>{a.status}</Badge>{' '}
                  <span className="text-xs font-normal text-zinc-500">
                    ×{a.count} since {formatRelative(a.firstAt)}, last {formatRelative(a.lastAt)}
                  </span>
                </p>
                <p className="mt-0.5 text-[13px] text-zinc-600">{a.summary}</p>
                {a.retrainingWorkflowId && (
                  <p className="mt-1 flex items-center gap-1.5 text-xs text-zinc-500" data-testid="alert-retraining">
                    {a.retrainingJobId ? (
                      <>
                        Retraining started:{' '}
                        <Link href={`${jobsHref}/${a.retrainingJobId}`} className="font-medium text-indigo-600 hover:underline">
                          training job <span className="font-mono">{a.retrainingJobId}</span>
                        </Link>
                      </>
                    ) : (
                      <>
                        <Spinner className="size-3" /> Retraining started; its training job is being created
                      </>
                    )}
                  </p>
                )}
              </div>
              {canWrite && (
                <div className="flex gap-2">
                  {a.status === 'open' && (
                    <Button size="sm" variant="secondary" onClick={() => ack.mutate({ alertId: a.id })} disabled={ack.isPending}>
                      Acknowledge
                    </Button>
                  )}
                  <Button size="sm" variant="secondary" onClick={() => resolve.mutate({ alertId: a.id })} disabled={resolve.isPending}>
                    Resolve
                  </Button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

export function MonitoringView({ name }: { name: string }) {
  const { org } = useOrg();
  const canWrite = useCan('DEPLOYMENT_WRITE') ?? false;
  // A "Check now" in flight: polled quickly until the run it started has ended, then for a while
  // until the training job of any retraining it started appears.
  const [check, setCheck] = useState<{ requestedAt: string; done: boolean; watchUntil: number } | null>(null);
  const { data, error, isLoading, refetch } = useGqlQuery(Monitoring, { name }, {
    refetchInterval: (d) => {
      if (!check) return 30_000;
      if (!check.done) return 2_000;
      const waitingForJob = d?.alerts.some((a) => a.retrainingWorkflowId && !a.retrainingJobId);
      return waitingForJob && Date.now() < check.watchUntil ? 2_000 : 30_000;
    },
  });
  const lastRun = data?.deploymentMonitoring.monitor?.lastRun;
  if (check && !check.done && checkDone(lastRun, check.requestedAt)) setCheck({ ...check, done: true, watchUntil: Date.now() + JOB_WATCH_MS });
  const checking = !!check && !check.done;
  const runCheck = useGqlMutation(RunCheck, { onSuccess: (r) => setCheck({ requestedAt: r.runDriftCheck.requestedAt, done: false, watchUntil: 0 }) });
  const toast = useToast();
  const setMonitor = useGqlMutation(SetMonitor, { onSuccess: (r) => toast.success(r.setDriftMonitor.enabled ? 'Drift monitor on' : 'Drift monitor off') });
  const base = `/o/${org.slug}/deployments`;
  const header = (
    <>
      <PageHeader
        breadcrumb={<Breadcrumb items={[{ label: 'Deployments', href: base }, { label: name, href: `${base}/${encodeURIComponent(name)}` }, { label: 'Monitoring' }]} />}
        title={`${name} · monitoring`}
        description={data?.deploymentMonitoring ? `Drift of ${data.deploymentMonitoring.modelName}'s serving versions against their baselines, data quality, and alert rules.` : undefined}
        actions={
          data?.deploymentMonitoring && canWrite ? (
            <Button
              variant={data.deploymentMonitoring.monitor?.enabled ? 'secondary' : 'primary'}
              disabled={setMonitor.isPending}
              onClick={() => setMonitor.mutate({ deploymentId: data.deploymentMonitoring.deploymentId, enabled: !data.deploymentMonitoring.monitor?.enabled })}
            >
              {data.deploymentMonitoring.monitor?.enabled ? 'Turn monitor off' : 'Turn monitor on'}
            </Button>
          ) : undefined
        }
      />
      <DeploymentTabs name={name} />
    </>
  );
  if (error) return (
    <>
      {header}
      <LoadError error={error} onRetry={() => void refetch()} />
    </>
  );
  if (isLoading || !data) return (
    <>
      {header}
      <Skeleton className="h-40 w-full" />
    </>
  );
  const m = data.deploymentMonitoring;
  const alerts = data.alerts.filter((a) => a.deploymentId === m.deploymentId);
  return (
    <>
      {header}
      <div className="mb-4 flex flex-wrap items-center gap-2 text-[13px] text-zinc-600" data-testid="monitor-status">
        {m.monitor?.enabled ? (
          <>
            <Badge tone="green">Monitor on</Badge> every {m.monitor.intervalMinutes} min over the last {m.monitor.windowMinutes} min; a baseline from live traffic takes {m.monitor.baselineSamples} sampled requests.
            {checking ? (
              <span className="inline-flex items-center gap-1.5 text-zinc-700" role="status" data-testid="drift-check-progress">
                <Spinner className="size-3.5" /> Checking the last {m.monitor.windowMinutes} min now…
              </span>
            ) : (
              m.monitor.lastRun && (
                <span data-testid="drift-last-run" data-status={m.monitor.lastRun.status}>
                  Last run {formatRelative(m.monitor.lastRun.startedAt)}
                  {m.monitor.lastRun.status === 'completed' ? '.' : m.monitor.lastRun.status === 'running' ? ', still running.' : `: ${m.monitor.lastRun.status.replace('_', ' ')}.`}
                </span>
              )
            )}
            {canWrite && (
              <Button size="sm" variant="secondary" className="ml-auto" loading={runCheck.isPending || checking} onClick={() => runCheck.mutate({ deploymentId: m.deploymentId })}>
                Check now
              </Button>
            )}
          </>
        ) : (
          <>
            <Badge>Monitor off</Badge> Turn it on, or add an alert rule, to compute drift on a schedule.
          </>
        )}
      </div>
      {runCheck.error && <ApiErrorBanner error={runCheck.error} className="mb-4" />}
      <OpenAlerts alerts={alerts} canWrite={canWrite} jobsHref={`/o/${org.slug}/jobs`} />
      {m.versions.length === 0 && <EmptyState title="No versions" description="The deployment serves no version yet." />}
      {m.versions.map((v) => (
        <Card key={v.modelVersionId} className="mb-6">
          <CardHeader
            title={`Version ${v.version}`}
            description={
              v.latest
                ? `Window ${formatRelative(v.latest.windowStart)} → ${formatRelative(v.latest.windowEnd)}: ${v.latest.requests.toLocaleString()} requests, ${v.latest.errors} errors, p95 ${v.latest.p95LatencyMs == null ? '—' : `${v.latest.p95LatencyMs.toFixed(1)} ms`}, ${v.latest.samples} sampled`
                : 'Not looked at yet'
            }
            actions={v.latest?.maxPsi != null ? <span className="text-[13px] text-zinc-500">max PSI {v.latest.maxPsi.toFixed(3)}</span> : undefined}
          />
          <CardBody>
            <BaselineNote v={v} />
            <DriftTable v={v} />
          </CardBody>
        </Card>
      ))}
      <AlertRulesEditor data={m} canWrite={canWrite} />
    </>
  );
}
