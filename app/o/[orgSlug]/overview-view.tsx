'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { graphql } from '@/app/gql';
import type { HomeQuery } from '@/app/gql/graphql';
import { CopyButton } from '@/app/components/copy-button';
import { ArrowRightIcon, ChartIcon, CheckCircleIcon, CpuIcon, CubeIcon, FlaskIcon, KeyIcon, PlusIcon } from '@/app/components/icons';
import { JobStatusBadge } from '@/app/components/job-status';
import { AliasChip } from '@/app/components/model-badges';
import { RunStatusBadge } from '@/app/components/run-status';
import { ButtonLink, Card, CardHeader, cx, EmptyState, LoadError, PageHeader, Skeleton } from '@/app/components/ui';
import { isActiveJob, jobRuntime } from '@/app/lib/compute';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { formatDuration, formatMetric, toNumber } from '@/app/lib/tracking';
import { useCan } from '@/app/lib/viewer';
import { SpendCard } from './spend-card';

/** The whole home page in one request: live and recent jobs, the newest runs, recently changed models. */
const HomeQuery = graphql(`
  query Home {
    activeJobs: jobs(first: 5, status: [queued, pending, running]) {
      edges {
        node {
          id
          name
          status
          reason
          projectId
          createdAt
          startedAt
          finishedAt
          runtimeSeconds
        }
      }
    }
    endedJobs: jobs(first: 5, status: [succeeded, failed, cancelled]) {
      edges {
        node {
          id
          name
          status
          reason
          projectId
          createdAt
          startedAt
          finishedAt
          runtimeSeconds
        }
      }
    }
    recentRuns(first: 6) {
      id
      name
      status
      startTime
      keyMetric {
        key
        value
      }
      createdBy {
        user {
          name
          email
        }
        apiKey {
          name
        }
      }
      job {
        id
      }
      experiment {
        id
        name
        project {
          id
          name
        }
      }
    }
    registeredModels(first: 5, orderBy: RECENTLY_UPDATED) {
      edges {
        node {
          id
          name
          latestVersion
          updatedAt
          project {
            id
            name
          }
          aliases {
            alias
            version
          }
        }
      }
    }
    projects(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
    exampleJobs {
      id
      kind
    }
  }
`);

type Home = HomeQuery;
type HomeJob = Home['activeJobs']['edges'][number]['node'];

function SectionSkeleton({ rows = 3 }: { rows?: number }) {
  return (
    <div className="space-y-4 p-5">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-3">
          <Skeleton className="h-5 w-16" />
          <Skeleton className="h-4 flex-1" />
          <Skeleton className="h-4 w-14" />
        </div>
      ))}
    </div>
  );
}

/** One part of the home page: a card with a link to the whole list, a skeleton while loading, and what it holds or its empty state. */
function Section({
  title,
  description,
  href,
  linkLabel,
  className,
  loading,
  skeletonRows,
  empty,
  children,
}: {
  title: string;
  description: string;
  href: string;
  linkLabel: string;
  className?: string;
  loading: boolean;
  skeletonRows?: number;
  /** Shown instead of the children when the section has nothing to list. */
  empty: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <Card className={className}>
      <CardHeader
        title={title}
        description={description}
        actions={
          <Link href={href} className="inline-flex items-center gap-1 text-[13px] font-medium text-zinc-500 hover:text-zinc-900">
            {linkLabel} <ArrowRightIcon className="size-3.5" />
          </Link>
        }
      />
      {loading ? <SectionSkeleton rows={skeletonRows} /> : empty ? <div className="p-5">{empty}</div> : children}
    </Card>
  );
}

function JobRow({ job, projectName, base, now }: { job: HomeJob; projectName: string | undefined; base: string; now: number }) {
  const active = isActiveJob(job.status);
  const runtime = jobRuntime(job, now);
  const when = active ? (job.startedAt ?? job.createdAt) : (job.finishedAt ?? job.createdAt);
  return (
    <li>
      <Link href={`${base}/jobs/${job.id}`} className="flex items-center gap-3 px-5 py-3 hover:bg-zinc-50" data-testid="home-job">
        <span className="w-28 shrink-0">
          <JobStatusBadge status={job.status} />
        </span>
        <span className="min-w-0 flex-1">
          <span className="block truncate text-sm font-medium text-zinc-900">{job.name}</span>
          <span className="block truncate text-[13px] text-zinc-500">{projectName ?? 'Project'}</span>
        </span>
        <span className="shrink-0 text-right text-[13px] text-zinc-500 tabular-nums">
          {runtime != null && <span className="block text-zinc-700">{formatDuration(runtime)}</span>}
          <span className="block" title={formatDateTime(when)}>
            {active ? (job.startedAt ? `started ${formatRelative(job.startedAt, now)}` : `queued ${formatRelative(job.createdAt, now)}`) : formatRelative(when, now)}
          </span>
        </span>
      </Link>
    </li>
  );
}

/** Who created a run, as the run page says it: its job, the API key, or the user. */
function creatorOf(run: Home['recentRuns'][number]): string {
  const by = run.createdBy;
  const person = by?.user ? by.user.name || by.user.email : null;
  if (run.job) return person ? `Job of ${person}` : 'Job';
  if (by?.apiKey) return by.apiKey.name;
  return person ?? '—';
}

/** One step of the new organization's path: done steps are checked off as the data arrives. */
function Step({ n, done, title, children, action }: { n: number; done: boolean; title: string; children: React.ReactNode; action?: React.ReactNode }) {
  return (
    <li className="flex gap-4 px-5 py-5" data-testid="start-step" data-done={done}>
      <span
        className={cx(
          'flex size-7 shrink-0 items-center justify-center rounded-full text-[13px] font-semibold',
          done ? 'bg-emerald-50 text-emerald-600' : 'bg-zinc-900 text-white',
        )}
      >
        {done ? <CheckCircleIcon className="size-5" /> : n}
      </span>
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0">
            <h3 className={cx('text-sm font-semibold', done ? 'text-zinc-500' : 'text-zinc-900')}>{title}</h3>
            <div className="mt-1 text-[13px] text-zinc-500">{children}</div>
          </div>
          {action && !done && <div className="shrink-0">{action}</div>}
        </div>
      </div>
    </li>
  );
}

/**
 * The path for an organization with nothing in it yet: a first run from the mlflow client
 * (works with no project: the run goes to the default experiment), the example training
 * job (which needs a project to run in), and a registered model.
 */
function StartHere({ data, base }: { data: Home; base: string }) {
  const [origin, setOrigin] = useState('');
  useEffect(() => setOrigin(window.location.origin), []);
  const canSubmit = useCan('JOB_SUBMIT');
  const example = data.exampleJobs.find((e) => e.kind === 'training');
  const hasProject = data.projects.edges.length > 0;
  const code = [
    'pip install mlflow',
    `export MLFLOW_TRACKING_URI=${origin || 'http://localhost:3000'}`,
    'export MLFLOW_TRACKING_TOKEN=<your API key>',
    `python -c 'import mlflow; mlflow.log_param("lr", 0.01); mlflow.log_metric("accuracy", 0.91)'`,
  ].join('\n');

  return (
    <Card>
      <CardHeader title="Start here" description="Three steps from an empty organization to a trained, registered model." />
      <ol className="divide-y divide-zinc-100" data-testid="start-here">
        <Step
          n={1}
          done={data.recentRuns.length > 0}
          title="Log a first run with MLflow"
          action={
            <ButtonLink href={`${base}/settings/api-keys`} variant="secondary" size="sm">
              <KeyIcon className="size-3.5" /> Create an API key
            </ButtonLink>
          }
        >
          <p>
            The unmodified mlflow client logs to Gantry. Use an API key with the <span className="font-medium text-zinc-700">write</span> scope as the token; without{' '}
            <code className="font-mono text-[12px]">MLFLOW_EXPERIMENT_NAME</code> the run goes to your organization’s default experiment.
          </p>
          <div className="relative mt-3">
            <pre className="overflow-x-auto rounded-lg bg-zinc-950 p-4 pr-24 font-mono text-[12.5px] leading-relaxed text-zinc-100" data-testid="start-mlflow-env">
              {code}
            </pre>
            <div className="absolute top-2.5 right-2.5">
              <CopyButton value={code} label="Copy" />
            </div>
          </div>
        </Step>
        <Step
          n={2}
          done={data.activeJobs.edges.length + data.endedJobs.edges.length > 0}
          title="Run the example training job"
          action={
            canSubmit === false ? undefined : hasProject ? (
              <ButtonLink href={`${base}/jobs/new${example ? `?example=${encodeURIComponent(example.id)}` : ''}`} size="sm">
                <CpuIcon className="size-3.5" /> Start from the example
              </ButtonLink>
            ) : (
              <ButtonLink href={`${base}/teams`} variant="secondary" size="sm">
                <PlusIcon className="size-3.5" /> Create a team and project
              </ButtonLink>
            )
          }
        >
          {hasProject
            ? 'The bundled churn model trains on this machine’s local cluster; you watch its log, and its run and model version appear here.'
            : 'Jobs run in a project: create a team, then a project in it, and start the bundled churn example there.'}
        </Step>
        <Step
          n={3}
          done={data.registeredModels.edges.length > 0}
          title="Register a model"
          action={
            <ButtonLink href={`${base}/models`} variant="secondary" size="sm">
              <CubeIcon className="size-3.5" /> Open models
            </ButtonLink>
          }
        >
          Log a model with <code className="font-mono text-[12px]">registered_model_name=</code> in <code className="font-mono text-[12px]">mlflow.&lt;flavor&gt;.log_model()</code>, or
          register a run’s model on the Models page. Aliases such as <code className="font-mono text-[12px]">@champion</code> then name the version to use.
        </Step>
      </ol>
    </Card>
  );
}

export function OverviewView() {
  const { org, user } = useOrg();
  const base = `/o/${org.slug}`;
  const [polling, setPolling] = useState(false);
  const { data, error, refetch } = useGqlQuery(HomeQuery, {}, { refetchInterval: polling ? 5000 : false });
  const [now, setNow] = useState(() => Date.now());
  const active = data?.activeJobs.edges.map((e) => e.node) ?? [];
  const live = active.length > 0 || (data?.recentRuns.some((r) => r.status === 'RUNNING') ?? false);
  useEffect(() => setPolling(live), [live]);
  useEffect(() => {
    if (!live) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [live]);

  const firstName = user.name.split(' ')[0] || user.name;
  const jobs = [...active, ...(data?.endedJobs.edges.map((e) => e.node) ?? [])].slice(0, 6);
  const models = data?.registeredModels.edges.map((e) => e.node) ?? [];
  const runs = data?.recentRuns ?? [];
  const projectNames = new Map(data?.projects.edges.map((e) => [e.node.id, e.node.name]) ?? []);
  // Nothing tracked, trained or registered yet: the page is a path to the first of each.
  const isNew = !!data && runs.length === 0 && jobs.length === 0 && models.length === 0;

  return (
    <>
      <PageHeader
        title={org.name}
        description={
          !data ? undefined : isNew ? (
            <span data-testid="home-greeting">Welcome to Gantry, {firstName}. Nothing has been tracked here yet: three steps get a first model in.</span>
          ) : (
            <span data-testid="home-greeting">What {org.name} is training, tracking and registering.</span>
          )
        }
        actions={
          data &&
          !isNew && (
            <>
              <ButtonLink href={`${base}/experiments`} variant="secondary">
                <FlaskIcon className="size-4" /> Experiments
              </ButtonLink>
              <ButtonLink href={`${base}/jobs/new`}>
                <CpuIcon className="size-4" /> Submit job
              </ButtonLink>
            </>
          )
        }
      />
      {error && <LoadError error={error} onRetry={() => void refetch()} />}

      {data && isNew ? (
        <StartHere data={data} base={base} />
      ) : (
        <>
          <div className="grid gap-6 lg:grid-cols-5">
            <Section
              className="lg:col-span-3"
              title="Jobs"
              description={active.length > 0 ? `${active.length} running or waiting, then the latest to end` : 'Training and evaluation jobs, newest first'}
              href={`${base}/jobs`}
              linkLabel="All jobs"
              loading={!data}
              empty={
                jobs.length === 0 && (
                  <EmptyState
                    compact
                    icon={<CpuIcon />}
                    title="No jobs yet"
                    description="Run training code on a cluster; its log and its run are kept."
                    action={
                      <ButtonLink href={`${base}/jobs/new`} variant="secondary" size="sm">
                        Submit a job
                      </ButtonLink>
                    }
                  />
                )
              }
            >
              <ul className="divide-y divide-zinc-100" data-testid="home-jobs">
                {jobs.map((j) => (
                  <JobRow key={j.id} job={j} projectName={projectNames.get(j.projectId)} base={base} now={now} />
                ))}
              </ul>
            </Section>

            <Section
              className="lg:col-span-2"
              title="Models"
              description="Recently updated, with their aliases"
              href={`${base}/models`}
              linkLabel="All models"
              loading={!data}
              empty={
                models.length === 0 && (
                  <EmptyState
                    compact
                    icon={<CubeIcon />}
                    title="No models registered yet"
                    description={
                      <>
                        Log one with <code className="font-mono text-[12px]">registered_model_name=</code>, or register a run’s model on the Models page.
                      </>
                    }
                  />
                )
              }
            >
              <ul className="divide-y divide-zinc-100" data-testid="home-models">
                {models.map((m) => {
                  const aliases = m.aliases.filter((a) => a.version != null);
                  return (
                    <li key={m.id}>
                      <Link href={`${base}/models/${m.id}`} className="block px-5 py-3 hover:bg-zinc-50" data-testid="home-model">
                        <span className="flex items-baseline justify-between gap-3">
                          <span className="truncate text-sm font-medium text-zinc-900">{m.name}</span>
                          <span className="shrink-0 text-[13px] text-zinc-500">{m.latestVersion != null ? `v${m.latestVersion}` : 'no versions'}</span>
                        </span>
                        <span className="mt-1 flex flex-wrap items-center gap-1.5">
                          {aliases.length === 0 ? (
                            <span className="text-[13px] text-zinc-400">No aliases · {m.project.name}</span>
                          ) : (
                            aliases.map((a) => <AliasChip key={a.alias} alias={a.alias} version={a.version} />)
                          )}
                        </span>
                      </Link>
                    </li>
                  );
                })}
              </ul>
            </Section>
          </div>

          <SpendCard />

          <Section
            className="mt-6"
            title="Recent runs"
            description="The newest runs across your experiments, each with its key metric"
            href={`${base}/experiments`}
            linkLabel="All experiments"
            loading={!data}
            skeletonRows={4}
            empty={
              runs.length === 0 && (
                <EmptyState
                  compact
                  icon={<ChartIcon />}
                  title="No runs yet"
                  description={
                    <>
                      Point the mlflow client at Gantry (<code className="font-mono text-[12px]">MLFLOW_TRACKING_URI</code>, an API key as{' '}
                      <code className="font-mono text-[12px]">MLFLOW_TRACKING_TOKEN</code>); a project’s page shows the variables for it.
                    </>
                  }
                />
              )
            }
          >
            <ul className="divide-y divide-zinc-100" data-testid="home-runs">
              {runs.map((r) => (
                <li key={r.id}>
                  <Link
                    href={`${base}/runs/${r.id}`}
                    className="grid grid-cols-[minmax(0,1fr)_6.5rem] items-center gap-x-4 gap-y-1 px-5 py-3 hover:bg-zinc-50 sm:grid-cols-[minmax(0,1.6fr)_6.5rem_minmax(0,1fr)_minmax(0,1fr)_6rem]"
                    data-testid="home-run"
                  >
                    <span className="min-w-0">
                      <span className="block truncate text-sm font-medium text-zinc-900">{r.name}</span>
                      <span className="block truncate text-[13px] text-zinc-500">
                        {r.experiment.project.name} · {r.experiment.name}
                      </span>
                    </span>
                    <span>
                      <RunStatusBadge status={r.status} />
                    </span>
                    <span className="hidden min-w-0 sm:block" data-testid="home-run-metric">
                      {r.keyMetric ? (
                        <>
                          <span className="block truncate font-mono text-[12px] text-zinc-500">{r.keyMetric.key}</span>
                          <span className="block text-sm font-semibold text-zinc-900 tabular-nums">{formatMetric(toNumber(r.keyMetric.value))}</span>
                        </>
                      ) : (
                        <span className="text-[13px] text-zinc-400">No metrics</span>
                      )}
                    </span>
                    <span className="hidden min-w-0 truncate text-[13px] text-zinc-600 sm:block">{creatorOf(r)}</span>
                    <span className="hidden text-right text-[13px] text-zinc-500 sm:block" title={formatDateTime(r.startTime)}>
                      {formatRelative(r.startTime, now)}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          </Section>
        </>
      )}
    </>
  );
}
