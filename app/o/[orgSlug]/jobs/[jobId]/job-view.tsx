'use client';

import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { graphql } from '@/app/gql';
import { useConfirm } from '@/app/components/confirm';
import { CopyButton } from '@/app/components/copy-button';
import { ChartIcon, CpuIcon, CubeIcon, HistoryIcon, StopIcon } from '@/app/components/icons';
import { JobStatusBadge } from '@/app/components/job-status';
import { RunStatusBadge } from '@/app/components/run-status';
import { useToast } from '@/app/components/toast';
import { Banner, Breadcrumb, Button, Card, CardHeader, Input, LoadError, Mono, PageHeader, Skeleton, Spinner, Table, TBody, TD, cx } from '@/app/components/ui';
import { formatCores, formatMiB, gpuText, isActiveJob, joinCommand, jobRuntime } from '@/app/lib/compute';
import { ENVIRONMENT_REASONS } from '@/rules/job-status';
import { formatMicros } from '@/rules/money';
import { capitalize, formatDateTime, formatShortDateTime } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { formatDuration } from '@/app/lib/tracking';
import { useCan } from '@/app/lib/viewer';
import { LOG_REASONS } from '@/rules/job-status';
import { JobLogs } from './job-logs';
import { JobTimeline } from './job-timeline';

const JobQuery = graphql(`
  query Job($id: ID!) {
    job(id: $id) {
      id
      name
      kind
      status
      reason
      message
      attempt
      maxAttempts
      projectId
      cluster {
        id
        name
        kind
      }
      image
      command
      pythonRequirements
      resources {
        cpu
        memoryMiB
        gpuCount
        gpuType
      }
      maxRuntimeSeconds
      hyperparameters {
        key
        value
      }
      experimentId
      runId
      run {
        id
        name
        status
      }
      registerModelName
      modelVersionId
      createdAt
      startedAt
      finishedAt
      runtimeSeconds
      cpuSeconds
      peakMemoryMiB
      costMicros
      cancelRequested
      failureDetail
      events {
        status
        attempt
        reason
        message
        detail
        occurredAt
      }
    }
  }
`);

const JobProjectQuery = graphql(`
  query JobProject($id: ID!) {
    project(id: $id) {
      id
      name
      team {
        id
        name
      }
    }
  }
`);

const JobModelVersionQuery = graphql(`
  query JobModelVersion($id: ID!) {
    modelVersion(id: $id) {
      id
      modelId
      modelName
      version
    }
  }
`);

const CancelJob = graphql(`
  mutation CancelJob($id: ID!, $reason: String) {
    cancelJob(id: $id, reason: $reason) {
      id
      status
      cancelRequested
    }
  }
`);

/** While the job is live its page refreshes this often (the log follows on its own, every second). */
const JOB_POLL_MS = 2000;

function Stat({ label, children, testId, sub }: { label: string; children: React.ReactNode; testId?: string; sub?: React.ReactNode }) {
  return (
    <div className="min-w-0 px-5 py-3">
      <dt className="text-xs font-medium text-zinc-500">{label}</dt>
      <dd className="mt-1 truncate text-sm font-medium text-zinc-900" data-testid={testId}>
        {children}
      </dd>
      {sub && <dd className="mt-0.5 truncate text-xs text-zinc-400">{sub}</dd>}
    </div>
  );
}

/** One resource: what was requested (reserved and charged), and below it what the job measured against it. */
function UsageRow({ label, requested, measured, ratio, testId }: { label: string; requested: string; measured: React.ReactNode; ratio?: number | null; testId?: string }) {
  const pct = ratio != null && Number.isFinite(ratio) ? Math.max(0, ratio) : null;
  return (
    <li className="px-5 py-3" data-testid={testId}>
      <div className="flex items-baseline justify-between gap-3 text-sm">
        <span className="font-medium text-zinc-800">{label}</span>
        <span className="text-[13px] text-zinc-500">
          requested <span className="font-medium tabular-nums text-zinc-900">{requested}</span>
        </span>
      </div>
      <div className="mt-1.5 flex items-center gap-3">
        <span className="h-1.5 flex-1 overflow-hidden rounded-full bg-zinc-100" title={pct !== null ? `${Math.round(pct * 100)}% of requested` : undefined}>
          {pct !== null && (
            <span
              className={cx('block h-full rounded-full', pct > 1 ? 'bg-red-500' : pct > 0.85 ? 'bg-amber-500' : 'bg-brand-500')}
              style={{ width: `${Math.max(1, Math.min(100, pct * 100))}%` }}
            />
          )}
        </span>
        <span className="shrink-0 text-[13px] tabular-nums text-zinc-700">{measured}</span>
      </div>
    </li>
  );
}

function CancelReason({ onChange }: { onChange: (v: string) => void }) {
  const [v, setV] = useState('');
  return (
    <div className="space-y-2">
      <p>The job’s process is stopped and the job ends as cancelled. It is not retried.</p>
      <label htmlFor="cancel-reason" className="block text-sm font-medium text-zinc-800">
        Reason <span className="font-normal text-zinc-400">(optional, kept in the audit log)</span>
      </label>
      <Input
        id="cancel-reason"
        value={v}
        maxLength={500}
        placeholder="e.g. wrong learning rate"
        onChange={(e) => {
          setV(e.target.value);
          onChange(e.target.value);
        }}
      />
    </div>
  );
}

/** One job: where it is in its life, its live log, what it used and cost, and what it produced. */
export function JobView({ jobId }: { jobId: string }) {
  const { org } = useOrg();
  const toast = useToast();
  const confirm = useConfirm();
  const canCancel = useCan('JOB_CANCEL');
  const q = useGqlQuery(JobQuery, { id: jobId }, { refetchInterval: (d) => (d && isActiveJob(d.job.status) ? JOB_POLL_MS : false) });
  const job = q.data?.job;
  const project = useGqlQuery(JobProjectQuery, { id: job?.projectId ?? '' }, { enabled: !!job });
  const version = useGqlQuery(JobModelVersionQuery, { id: job?.modelVersionId ?? '' }, { enabled: !!job?.modelVersionId });
  const cancel = useGqlMutation(CancelJob);
  const reason = useRef('');

  const active = job ? isActiveJob(job.status) : false;
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);

  const breadcrumb = <Breadcrumb items={[{ label: 'Jobs', href: `/o/${org.slug}/jobs` }, { label: job?.name ?? '…' }]} />;

  if (q.error) {
    return (
      <>
        <PageHeader title="Job" breadcrumb={breadcrumb} />
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  }

  async function onCancel() {
    if (!job) return;
    reason.current = '';
    const ok = await confirm({
      title: `Cancel “${job.name.length > 60 ? `${job.name.slice(0, 60)}…` : job.name}”?`,
      body: <CancelReason onChange={(v) => (reason.current = v)} />,
      confirmLabel: 'Cancel job',
      cancelLabel: 'Keep running',
      danger: true,
    });
    if (!ok) return;
    cancel.mutate(
      { id: job.id, reason: reason.current.trim() || null },
      {
        onSuccess: () => toast.success('Cancelling the job', 'It stops as soon as the cluster confirms.'),
        onError: (e) => toast.error('Could not cancel the job', e.message),
      },
    );
  }

  const runtime = job ? jobRuntime(job, now) : null;
  const waiting = job?.status === 'queued' || job?.status === 'pending';
  const lastEvent = job?.events.at(-1);
  const startedAttempts = job ? Math.max(1, ...job.events.filter((e) => e.status !== 'queued').map((e) => e.attempt)) : 1;
  const avgCores = job?.cpuSeconds != null && runtime ? job.cpuSeconds / runtime : null;
  const command = job ? joinCommand(job.command) : '';
  // CPU time and peak memory are measured over the whole run and reported when it ends.
  const pending = <span className="text-zinc-400">{active ? 'measured at the end' : '—'}</span>;
  const waitedSince = lastEvent ? (now - new Date(lastEvent.occurredAt).getTime()) / 1000 : null;

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          job ? (
            <span className="inline-flex min-w-0 items-center gap-3">
              <span className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                <CpuIcon className="size-5" />
              </span>
              <span className="truncate" data-testid="job-name" title={job.name}>
                {job.name}
              </span>
              <JobStatusBadge status={job.status} reason={job.reason} />
            </span>
          ) : (
            <Skeleton className="h-9 w-80" />
          )
        }
        description={
          job ? (
            <span className="inline-flex flex-wrap items-center gap-x-2 gap-y-1">
              <code className="font-mono text-[12.5px]">{job.id}</code>
              <CopyButton value={job.id} label="Copy ID" />
              <span className="text-zinc-300">·</span>
              <span>
                {capitalize(job.kind)} job on{' '}
                <Link href={`/o/${org.slug}/clusters/${job.cluster.id}`} className="font-medium text-zinc-700 hover:text-zinc-900">
                  {job.cluster.name}
                </Link>
                {project.data && (
                  <>
                    {' '}
                    in{' '}
                    <Link href={`/o/${org.slug}/projects/${project.data.project.id}`} className="font-medium text-zinc-700 hover:text-zinc-900">
                      {project.data.project.name}
                    </Link>
                  </>
                )}
              </span>
            </span>
          ) : undefined
        }
        actions={
          job &&
          active &&
          canCancel && (
            <Button variant="danger" onClick={() => void onCancel()} loading={cancel.isPending} disabled={job.cancelRequested}>
              <StopIcon className="size-4" /> {job.cancelRequested ? 'Cancelling…' : 'Cancel job'}
            </Button>
          )
        }
      />

      {job && waiting && (
        <Banner
          tone="info"
          className="mb-6"
          title={job.status === 'queued' ? 'Waiting for the cluster…' : job.reason === ENVIRONMENT_REASONS.building ? 'Preparing the job’s Python environment…' : 'Waiting for the cluster to start the job…'}
        >
          <span className="inline-flex flex-wrap items-center gap-x-2" data-testid="job-waiting">
            <Spinner className="size-3.5 text-sky-600" />
            {lastEvent?.message ?? (job.status === 'queued' ? 'The job is queued for a worker.' : 'The cluster is scheduling the job.')}
            {waitedSince !== null && <span className="tabular-nums text-sky-700/80">· {formatDuration(waitedSince)}</span>}
          </span>
        </Banner>
      )}
      {job?.status === 'failed' && (
        <Banner tone="error" className="mb-6" title={`Failed${job.reason ? `: ${job.reason}` : ''}`}>
          <span data-testid="job-message">{job.message ?? 'The job ended with an error. The log below shows its last output.'}</span>
          {job.failureDetail && (
            <>
              <pre
                className="mt-2 max-h-72 overflow-auto rounded-md bg-white/70 px-3 py-2 font-mono text-[12px] leading-[1.15rem] whitespace-pre-wrap break-words text-red-950 ring-1 ring-red-900/10"
                data-testid="job-failure-detail"
              >
                {job.failureDetail}
              </pre>
              <a href="#job-logs" className="mt-1.5 inline-block text-xs font-medium text-red-800 underline-offset-2 hover:underline">
                The whole log is below
              </a>
            </>
          )}
        </Banner>
      )}
      {job?.status === 'cancelled' && (
        <Banner tone="warning" className="mb-6" title="Cancelled">
          <span data-testid="job-message">{job.message ?? 'The job was cancelled.'}</span>
        </Banner>
      )}

      <Card className="mb-6">
        {!job ? (
          <div className="grid grid-cols-2 gap-4 p-5 md:grid-cols-6">
            {Array.from({ length: 6 }, (_, i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : (
          <dl className="grid grid-cols-2 divide-zinc-100 md:grid-cols-3 md:divide-x xl:grid-cols-6">
            <Stat label="Runtime" testId="job-runtime" sub={`max ${formatDuration(job.maxRuntimeSeconds)}`}>
              <span className="tabular-nums">{formatDuration(runtime)}</span>
            </Stat>
            <Stat label="Cost" testId="job-cost" sub={active ? 'charged at the end' : job.costMicros != null ? `at ${job.cluster.name} prices` : undefined}>
              <span className="tabular-nums">{formatMicros(job.costMicros)}</span>
            </Stat>
            <Stat label="Attempt" sub={job.maxAttempts > 1 ? `${job.maxAttempts - 1} ${job.maxAttempts === 2 ? 'retry' : 'retries'} allowed` : 'no retries'}>
              {job.attempt} of {job.maxAttempts}
            </Stat>
            <Stat label="Created">
              <span title={formatDateTime(job.createdAt)}>{formatShortDateTime(job.createdAt)}</span>
            </Stat>
            <Stat label="Started">
              {job.startedAt ? <span title={formatDateTime(job.startedAt)}>{formatShortDateTime(job.startedAt)}</span> : <span className="font-normal text-zinc-400">Not yet</span>}
            </Stat>
            <Stat label="Finished">
              {job.finishedAt ? (
                <span title={formatDateTime(job.finishedAt)}>{formatShortDateTime(job.finishedAt)}</span>
              ) : active ? (
                <span className="font-normal text-sky-700">Still {job.status}</span>
              ) : (
                <span className="font-normal text-zinc-400">—</span>
              )}
            </Stat>
          </dl>
        )}
      </Card>

      <div className="mb-6 grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]">
        {job ? (
          <JobLogs
            jobId={job.id}
            currentAttempt={job.attempt}
            attempts={startedAttempts}
            waiting={waiting}
            active={active}
            notCollected={Object.fromEntries(job.events.filter((e) => e.reason === LOG_REASONS.notCollected).map((e) => [e.attempt, e.message ?? '']))}
          />
        ) : (
          <Skeleton className="h-[32rem]" />
        )}
        <Card className="min-w-0">
          <CardHeader
            title={
              <span className="inline-flex items-center gap-2">
                <HistoryIcon className="size-4 text-zinc-400" /> Timeline
              </span>
            }
          />
          {job ? <JobTimeline events={job.events} live={active} now={now} multiAttempt={job.maxAttempts > 1} /> : <Skeleton className="m-5 h-40" />}
        </Card>
      </div>

      <div className="mb-6 grid items-start gap-6 lg:grid-cols-2">
        <Card className="min-w-0">
          <CardHeader title="Resources" description="Requested (what is reserved and charged) next to what the job measured" />
          {!job ? (
            <Skeleton className="m-5 h-28" />
          ) : (
            <ul className="divide-y divide-zinc-100">
              <UsageRow
                label="CPU"
                requested={formatCores(job.resources.cpu)}
                measured={job.cpuSeconds != null ? `avg ${Number((avgCores ?? 0).toFixed(2))} cores · ${Number(job.cpuSeconds.toFixed(1))} CPU·s` : pending}
                ratio={avgCores != null ? avgCores / job.resources.cpu : null}
                testId="usage-cpu"
              />
              <UsageRow
                label="Memory"
                requested={formatMiB(job.resources.memoryMiB)}
                measured={job.peakMemoryMiB != null ? `${formatMiB(job.peakMemoryMiB)} peak` : pending}
                ratio={job.peakMemoryMiB != null ? job.peakMemoryMiB / job.resources.memoryMiB : null}
                testId="usage-memory"
              />
              <UsageRow
                label="Runtime"
                requested={`${formatDuration(job.maxRuntimeSeconds)} max`}
                measured={formatDuration(runtime)}
                ratio={runtime != null ? runtime / job.maxRuntimeSeconds : null}
                testId="usage-runtime"
              />
              <li className="flex items-baseline justify-between gap-3 px-5 py-3 text-sm">
                <span className="font-medium text-zinc-800">GPU</span>
                <span className="text-[13px] text-zinc-500">
                  requested <span className="font-medium text-zinc-900">{gpuText(job.resources.gpuCount, job.resources.gpuType) ?? 'none'}</span>
                </span>
              </li>
            </ul>
          )}
        </Card>

        <Card className="min-w-0">
          <CardHeader title="Outputs" description="What this job tracked and registered" />
          {!job ? (
            <Skeleton className="m-5 h-28" />
          ) : (
            <ul className="divide-y divide-zinc-100">
              <li className="flex items-center gap-3 px-5 py-3">
                <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-zinc-100 text-zinc-500">
                  <ChartIcon className="size-4" />
                </span>
                <div className="min-w-0 flex-1">
                  <p className="text-xs font-medium text-zinc-500">Tracking run</p>
                  {job.run ? (
                    <Link href={`/o/${org.slug}/runs/${job.run.id}`} className="block truncate text-sm font-medium text-zinc-900 hover:text-brand-700" data-testid="job-run-link">
                      {job.run.name}
                    </Link>
                  ) : (
                    <p className="text-sm text-zinc-400">Created when the job is prepared</p>
                  )}
                </div>
                {job.run && <RunStatusBadge status={job.run.status} />}
              </li>
              <li className="flex items-center gap-3 px-5 py-3">
                <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-zinc-100 text-zinc-500">
                  <CubeIcon className="size-4" />
                </span>
                <div className="min-w-0 flex-1">
                  <p className="text-xs font-medium text-zinc-500">Model version</p>
                  {job.modelVersionId ? (
                    version.data ? (
                      <Link
                        href={`/o/${org.slug}/models/${version.data.modelVersion.modelId}/versions/${version.data.modelVersion.id}`}
                        className="block truncate text-sm font-medium text-zinc-900 hover:text-brand-700"
                        data-testid="job-model-version-link"
                      >
                        {version.data.modelVersion.modelName} v{version.data.modelVersion.version}
                      </Link>
                    ) : version.error ? (
                      <p className="text-sm text-zinc-500">{version.error.message}</p>
                    ) : (
                      <Skeleton className="mt-1 h-4 w-40" />
                    )
                  ) : job.registerModelName ? (
                    <p className="truncate text-sm text-zinc-600">
                      {active ? (
                        <>
                          Registers <span className="font-medium">{job.registerModelName}</span> when the job succeeds
                        </>
                      ) : (
                        <>
                          <span className="font-medium">{job.registerModelName}</span> was not registered
                        </>
                      )}
                    </p>
                  ) : (
                    <p className="text-sm text-zinc-400">This job does not register a model</p>
                  )}
                </div>
              </li>
            </ul>
          )}
        </Card>
      </div>

      <Card className="min-w-0">
        <CardHeader
          title="Command"
          description={job ? (job.cluster.kind === 'local' ? 'Run as a process on the Gantry host' : `In the image ${job.image || '—'}`) : undefined}
          actions={job && <CopyButton value={command} label="Copy command" />}
        />
        {!job ? (
          <Skeleton className="m-5 h-20" />
        ) : (
          <div className="space-y-4 px-5 py-4">
            {job.image && (
              <div>
                <p className="mb-1 text-xs font-medium text-zinc-500">Image</p>
                <Mono className="text-[12.5px]">{job.image}</Mono>
              </div>
            )}
            <div>
              <pre className="overflow-x-auto rounded-lg bg-zinc-50 px-3 py-2 font-mono text-[12.5px] whitespace-pre-wrap break-all text-zinc-800 ring-1 ring-zinc-200" data-testid="job-command">
                {command}
              </pre>
            </div>
            <div>
              <p className="mb-1 text-xs font-medium text-zinc-500">Hyperparameters</p>
              {job.hyperparameters.length === 0 ? (
                <p className="text-sm text-zinc-400">None</p>
              ) : (
                <div className="overflow-hidden rounded-lg ring-1 ring-zinc-200" data-testid="job-hyperparameters">
                  <Table minWidth="min-w-0">
                    <TBody>
                      {job.hyperparameters.map((h) => (
                        <tr key={h.key}>
                          <TD className="w-2/5 py-2 font-mono text-[12.5px] text-zinc-500">{h.key}</TD>
                          <TD className="py-2 font-mono text-[12.5px] break-all text-zinc-900">{h.value}</TD>
                        </tr>
                      ))}
                    </TBody>
                  </Table>
                </div>
              )}
            </div>
            {job.pythonRequirements.length > 0 && (
              <div>
                <p className="mb-1 text-xs font-medium text-zinc-500">Python requirements</p>
                <ul className="flex flex-wrap gap-1.5" data-testid="job-python-requirements">
                  {job.pythonRequirements.map((r) => (
                    <li key={r} className="rounded-md bg-zinc-50 px-2 py-0.5 font-mono text-[12px] text-zinc-800 ring-1 ring-zinc-200 ring-inset">
                      {r}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        )}
      </Card>
    </>
  );
}
