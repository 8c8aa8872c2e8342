'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { graphql } from '@/app/gql';
import type { SubmitTrainingJobInput } from '@/app/gql/graphql';
import { CpuIcon } from '@/app/components/icons';
import { Banner, Breadcrumb, Button, ButtonLink, Card, CardFooter, LoadError, PageHeader, Skeleton } from '@/app/components/ui';
import { joinCommand, splitCommand } from '@/app/lib/compute';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { isGraphQLRequestError } from '@/app/lib/graphql-client';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { FIELD_KEYS, INITIAL_VALUES, mapServerFields, validateJobForm, type FormErrors, type JobFormValues } from './job-form';
import { emptyRow, type Row } from './key-value-rows';
import { ResourcesSection } from './resources-section';
import { TrackingSection } from './tracking-section';
import { WhatToRunSection } from './what-to-run-section';

const SubmitJobOptionsQuery = graphql(`
  query SubmitJobOptions {
    projects(first: 100) {
      edges {
        node {
          id
          name
          slug
          team {
            id
            name
          }
        }
      }
    }
    clusters {
      id
      name
      kind
      status
      capacity {
        gpus {
          gpuType
          allocatable
        }
      }
      prices {
        ...ClusterPriceFields
      }
    }
    exampleJobs {
      id
      title
      kind
      specJson
    }
  }
`);

/** An example's job file (examples/README.md), as far as this form shows it. */
interface ExampleSpec {
  name?: string;
  image?: string;
  command: string[];
  args?: string[];
  env?: Record<string, string>;
  resources?: { cpu?: number; memoryMiB?: number; gpu?: { count?: number; type?: string | null } };
  maxRuntimeSeconds?: number;
  retries?: number;
  hyperparameters?: Record<string, string | number | boolean>;
  inputs?: { name: string; source: string; digest?: string }[];
  python?: { requirements: string[] } | null;
  experiment?: string;
  registerModel?: { name: string; artifactPath?: string } | null;
}

const SubmitTrainingJob = graphql(`
  mutation SubmitTrainingJob($input: SubmitTrainingJobInput!) {
    submitTrainingJob(input: $input) {
      id
      name
      status
    }
  }
`);

/** The form for a training job; on success the job's page follows its progress. */
export function SubmitJobForm({ initialCluster, initialExample = null }: { initialCluster: string | null; initialExample?: string | null }) {
  const { org } = useOrg();
  const router = useRouter();
  const canSubmit = useCan('JOB_SUBMIT');
  const options = useGqlQuery(SubmitJobOptionsQuery, {});
  const submit = useGqlMutation(SubmitTrainingJob);
  const [f, setF] = useState<JobFormValues>(INITIAL_VALUES);
  const [env, setEnv] = useState<Row[]>([]);
  const [params, setParams] = useState<Row[]>([]);
  const [example, setExample] = useState<{ id: string; inputs: ExampleSpec['inputs']; python: ExampleSpec['python'] } | null>(null);
  const [errors, setErrors] = useState<FormErrors>({});
  /** Edits to a list of rows clear that list's errors. */
  const editRows = (prefix: string, setRows: (rows: Row[]) => void) => (rows: Row[]) => {
    setRows(rows);
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith(prefix))));
  };
  const [formError, setFormError] = useState<string | null>(null);
  /** A refusal by the team's or project's budget: its own title and a way to the budgets. */
  const [overBudget, setOverBudget] = useState(false);
  const errorBanner = useRef<HTMLDivElement>(null);
  // The banner sits above the form while the button is at its foot: bring it into view.
  useEffect(() => {
    if (formError) errorBanner.current?.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }, [formError]);

  const projects = options.data?.projects.edges.map((e) => e.node) ?? [];
  const clusters = options.data?.clusters ?? [];
  // Defaults once the options arrive: the only project, the cluster from the URL or `local`.
  const project = f.project || (projects.length === 1 ? projects[0]!.id : '');
  const cluster =
    clusters.find((c) => c.id === f.cluster) ??
    clusters.find((c) => initialCluster && (c.name === initialCluster || c.id === initialCluster)) ??
    clusters.find((c) => c.kind === 'local') ??
    clusters[0];

  /** Fills the form from a bundled example (its script paths already point at this installation). */
  function applyExample(id: string) {
    const found = options.data?.exampleJobs.find((e) => e.id === id);
    if (!found) {
      setExample(null);
      return;
    }
    const spec = JSON.parse(found.specJson) as ExampleSpec;
    setF((x) => ({
      ...x,
      name: spec.name ?? '',
      image: spec.image ?? '',
      command: joinCommand([...spec.command, ...(spec.args ?? [])]),
      cpu: String(spec.resources?.cpu ?? 1),
      memoryMiB: String(spec.resources?.memoryMiB ?? 1024),
      gpuCount: String(spec.resources?.gpu?.count ?? 0),
      gpuType: spec.resources?.gpu?.type ?? '',
      maxRuntime: String(Math.max(1, Math.round((spec.maxRuntimeSeconds ?? 3600) / 60))),
      retries: String(spec.retries ?? 0),
      experiment: spec.experiment ?? '',
      registerModel: spec.registerModel?.name ?? '',
    }));
    const rows = (r?: Record<string, unknown>) => Object.entries(r ?? {}).map(([name, value]) => ({ ...emptyRow(), name, value: String(value) }));
    setEnv(rows(spec.env));
    setParams(rows(spec.hyperparameters));
    setExample({ id, inputs: spec.inputs, python: spec.python });
    setErrors({});
    setFormError(null);
  }

  // An example named in the URL fills the form once, when the examples arrive.
  const exampleApplied = useRef(false);
  useEffect(() => {
    if (exampleApplied.current || !initialExample || !options.data) return;
    exampleApplied.current = true;
    applyExample(initialExample);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- runs once, when the options load
  }, [options.data, initialExample]);

  function set(key: keyof JobFormValues, value: string) {
    setF((x) => ({ ...x, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
    setFormError(null);
  }

  const parsed = splitCommand(f.command);
  const parts = 'parts' in parsed ? parsed.parts : [];

  function onSubmit(ev: React.FormEvent) {
    ev.preventDefault();
    const e = validateJobForm({ f, project, cluster, parsed, env, params });
    setFormError(null);
    if (Object.values(e).some(Boolean)) {
      setErrors(e);
      return;
    }
    setErrors({});
    const pairs = (rows: Row[]) => rows.filter((r) => r.name.trim()).map((r) => ({ key: r.name.trim(), value: r.value }));
    const gpuCount = Number(f.gpuCount);
    const input: SubmitTrainingJobInput = {
      project,
      cluster: cluster!.id,
      command: parts,
      resources: { cpu: Number(f.cpu), memoryMiB: Number(f.memoryMiB), gpuCount, ...(gpuCount > 0 && f.gpuType.trim() ? { gpuType: f.gpuType.trim() } : {}) },
      maxRuntimeSeconds: Math.round(Number(f.maxRuntime) * 60),
      retries: Number(f.retries),
      ...(f.name.trim() ? { name: f.name.trim() } : {}),
      ...(f.image.trim() ? { image: f.image.trim() } : {}),
      ...(pairs(env).length ? { env: pairs(env) } : {}),
      ...(pairs(params).length ? { hyperparameters: pairs(params) } : {}),
      ...(f.experiment.trim() ? { experiment: f.experiment.trim() } : {}),
      ...(f.registerModel.trim() ? { registerModel: { name: f.registerModel.trim() } } : {}),
      ...(example?.inputs?.length ? { inputs: example.inputs.map((i) => ({ name: i.name, source: i.source, ...(i.digest ? { digest: i.digest } : {}) })) } : {}),
      // The example's Python requirements: the local cluster builds them into the job's own environment.
      ...(example?.python?.requirements.length && cluster?.kind === 'local' ? { python: { requirements: example.python.requirements } } : {}),
    };
    submit.mutate(
      { input },
      {
        onSuccess: (d) => router.push(`/o/${org.slug}/jobs/${d.submitTrainingJob.id}`),
        onError: (err) => {
          const mapped = isGraphQLRequestError(err) ? mapServerFields(err.fields, env, params) : {};
          const shown = Object.keys(mapped).filter((k) => FIELD_KEYS.includes(k) || /^(env|params)\.\d+$/.test(k));
          setErrors(mapped);
          setOverBudget(isGraphQLRequestError(err) && err.code === 'BUDGET_EXCEEDED');
          // Anything not beside a field (budget, permissions, a workflow that could not start) goes on top.
          setFormError(shown.length ? `${err.message}${shown.length > 1 ? ` (and ${shown.length - 1} more below)` : ''}` : err.message);
        },
      },
    );
  }

  const breadcrumb = <Breadcrumb items={[{ label: 'Jobs', href: `/o/${org.slug}/jobs` }, { label: 'Submit' }]} />;

  if (options.error) {
    return (
      <>
        <PageHeader title="Submit a training job" breadcrumb={breadcrumb} />
        <LoadError error={options.error} onRetry={() => void options.refetch()} />
      </>
    );
  }
  if (canSubmit === false) {
    return (
      <>
        <PageHeader title="Submit a training job" breadcrumb={breadcrumb} />
        <Banner tone="info" title="Your role cannot submit jobs">
          Viewers can follow jobs and their logs. Ask an admin of {org.name} for the member role.
        </Banner>
      </>
    );
  }

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title="Submit a training job"
        description="The job runs on the cluster you choose, logs into its own tracking run, and is charged at that cluster’s prices."
      />
      {options.isLoading ? (
        <Card>
          <div className="space-y-4 p-6">
            <Skeleton className="h-9 w-1/2" />
            <Skeleton className="h-9 w-2/3" />
            <Skeleton className="h-20" />
          </div>
        </Card>
      ) : projects.length === 0 ? (
        <Banner
          tone="info"
          title="Create a project first"
          action={
            <ButtonLink href={`/o/${org.slug}/teams`} size="sm" variant="secondary">
              Go to teams
            </ButtonLink>
          }
        >
          Jobs belong to a project: its team is charged and its experiments hold the runs.
        </Banner>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          {formError && (
            <div ref={errorBanner} className="mb-4 scroll-mt-20">
              <Banner
                tone="error"
                title={overBudget ? 'The job was not submitted: it does not fit the budget' : 'The job was not submitted'}
                action={
                  overBudget && (
                    <Link href={`/o/${org.slug}/costs#budgets`} className="text-sm font-medium whitespace-nowrap text-red-700 underline underline-offset-2 hover:text-red-800">
                      See budgets
                    </Link>
                  )
                }
              >
                <span data-testid="submit-error">{formError}</span>
                {overBudget && (
                  <span className="mt-1 block text-[13px]">Ask an admin to raise the budget, or lower the job’s maximum runtime or resources so that its worst case fits.</span>
                )}
              </Banner>
            </div>
          )}
          <Card>
            <WhatToRunSection
              f={f}
              set={set}
              errors={errors}
              examples={options.data?.exampleJobs ?? []}
              exampleId={example?.id ?? ''}
              onExample={applyExample}
              projects={projects}
              project={project}
              clusters={clusters}
              cluster={cluster}
              parts={parts}
              env={env}
              onEnvChange={editRows('env', setEnv)}
            />
            <ResourcesSection f={f} set={set} errors={errors} cluster={cluster} />
            <TrackingSection
              f={f}
              set={set}
              errors={errors}
              projectSlug={projects.find((p) => p.id === project)?.slug}
              params={params}
              onParamsChange={editRows('params', setParams)}
            />
            <CardFooter className="justify-between">
              <p className="text-[13px] text-zinc-500" data-testid="submit-footer-note">
                {example?.python?.requirements.length && cluster?.kind === 'local'
                  ? `The example’s ${example.python.requirements.length} Python requirements are installed into the job’s own environment (built once, then reused). `
                  : ''}
                You can follow the job’s logs and cancel it from its page.
              </p>
              <div className="flex gap-2">
                <ButtonLink href={`/o/${org.slug}/jobs`} variant="ghost">
                  Cancel
                </ButtonLink>
                <Button type="submit" loading={submit.isPending}>
                  <CpuIcon className="size-4" /> Submit job
                </Button>
              </div>
            </CardFooter>
          </Card>
        </form>
      )}
    </>
  );
}
