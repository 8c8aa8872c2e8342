'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { SubmitTrainingJobInput } from '@/app/gql/graphql';
import { CpuIcon, PlusIcon, XIcon } from '@/app/components/icons';
import { Banner, Breadcrumb, Button, ButtonLink, Card, CardFooter, Field, Input, LoadError, PageHeader, Select, Skeleton, Textarea } from '@/app/components/ui';
import { joinCommand, splitCommand } from '@/app/lib/compute';
import { formatMicros, jobCostMicros, toMicros } from '@/rules/money';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { isGraphQLRequestError } from '@/app/lib/graphql-client';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';

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

interface Row {
  key: number;
  name: string;
  value: string;
}

let nextRow = 1;
const emptyRow = (): Row => ({ key: nextRow++, name: '', value: '' });

// The server's rules for names (core/training/job-spec.ts), checked here so each row gets its own message.
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const PARAM_KEY_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

function envNameError(name: string): string | undefined {
  if (!ENV_NAME_RE.test(name)) return 'Letters, digits and “_”, not starting with a digit';
  if (/^(GANTRY_|MLFLOW_)/i.test(name)) return 'GANTRY_* and MLFLOW_* are set by Gantry';
  return undefined;
}

function paramKeyError(name: string): string | undefined {
  return PARAM_KEY_RE.test(name) ? undefined : 'Letters, digits, “_”, “.” and “-”, starting with a letter or “_”';
}

/** Key/value rows (environment variables, hyperparameters); empty rows are ignored. */
/** An optional list of name/value rows with its title, an error per row and one for the whole list (`errors[id]`). */
function KeyValueRows({
  id,
  title,
  rows,
  onChange,
  errors,
  keyLabel,
  keyPlaceholder,
  valuePlaceholder,
  addLabel,
}: {
  id: string;
  title: string;
  rows: Row[];
  onChange: (rows: Row[]) => void;
  errors: Record<string, string | undefined>;
  keyLabel: string;
  keyPlaceholder: string;
  valuePlaceholder: string;
  addLabel: string;
}) {
  return (
    <div>
      <p className="mb-1.5 flex items-baseline justify-between text-sm font-medium text-zinc-800">
        {title} <span className="text-xs font-normal text-zinc-400">Optional</span>
      </p>
      <div className="space-y-2" data-testid={`${id}-rows`}>
        {rows.map((r, i) => {
          const error = errors[`${id}.${r.key}`];
          return (
            <div key={r.key}>
              <div className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)_auto] gap-2">
                <Input
                  aria-label={`${keyLabel} ${i + 1}`}
                  placeholder={keyPlaceholder}
                  value={r.name}
                  invalid={!!error}
                  onChange={(e) => onChange(rows.map((x) => (x.key === r.key ? { ...x, name: e.target.value } : x)))}
                  className="font-mono text-[13px]"
                  autoComplete="off"
                  spellCheck={false}
                />
                <Input
                  aria-label={`${keyLabel} ${i + 1} value`}
                  placeholder={valuePlaceholder}
                  value={r.value}
                  onChange={(e) => onChange(rows.map((x) => (x.key === r.key ? { ...x, value: e.target.value } : x)))}
                  className="font-mono text-[13px]"
                  autoComplete="off"
                  spellCheck={false}
                />
                <Button variant="ghost" className="px-2" aria-label={`Remove ${keyLabel.toLowerCase()} ${r.name || i + 1}`} onClick={() => onChange(rows.filter((x) => x.key !== r.key))}>
                  <XIcon className="size-4" />
                </Button>
              </div>
              {error && (
                <p role="alert" className="mt-1 text-[13px] text-red-600">
                  {error}
                </p>
              )}
            </div>
          );
        })}
        <Button variant="secondary" size="sm" onClick={() => onChange([...rows, emptyRow()])}>
          <PlusIcon className="size-3.5" /> {addLabel}
        </Button>
      </div>
      {errors[id] && (
        <p role="alert" className="mt-1 text-[13px] text-red-600">
          {errors[id]}
        </p>
      )}
    </div>
  );
}

function Section({ title, description, children }: { title: string; description: string; children: React.ReactNode }) {
  return (
    <div className="grid gap-x-8 gap-y-4 border-b border-zinc-100 px-5 py-6 last:border-b-0 lg:grid-cols-[14rem_minmax(0,1fr)]">
      <div>
        <h3 className="text-sm font-semibold text-zinc-900">{title}</h3>
        <p className="mt-1 text-[13px] text-zinc-500">{description}</p>
      </div>
      <div className="min-w-0 space-y-4">{children}</div>
    </div>
  );
}

type FormErrors = Record<string, string | undefined>;

/**
 * Puts the server's `extensions.fields` paths (the job spec's: `resources.gpu.count`,
 * `env.NAME`, `command.1`, `registerModel.name`…) next to the inputs they are about.
 */
function mapServerFields(fields: { path: string; message: string }[], env: Row[], params: Row[]): FormErrors {
  const out: FormErrors = {};
  const put = (k: string, m: string) => (out[k] ??= m);
  for (const f of fields) {
    const p = f.path.replace(/^input\./, '');
    const [head, ...rest] = p.split('.');
    const tail = rest.join('.');
    if (head === 'command' || head === 'args') put('command', f.message);
    else if (p === 'resources.cpu') put('cpu', f.message);
    else if (p === 'resources.memoryMiB') put('memoryMiB', f.message);
    else if (p === 'resources.gpu.count') put('gpuCount', f.message);
    else if (p === 'resources.gpu.type') put('gpuType', f.message);
    else if (head === 'resources') put('cpu', f.message);
    else if (head === 'maxRuntimeSeconds') put('maxRuntime', f.message);
    else if (head === 'registerModel') put('registerModel', f.message);
    else if (head === 'env' || head === 'hyperparameters') {
      const id = head === 'env' ? 'env' : 'params';
      const row = (head === 'env' ? env : params).find((r) => r.name.trim() === tail);
      put(row ? `${id}.${row.key}` : id, f.message);
    } else put(head ?? p, f.message);
  }
  return out;
}

const FIELD_KEYS = ['project', 'cluster', 'name', 'image', 'command', 'cpu', 'memoryMiB', 'gpuCount', 'gpuType', 'maxRuntime', 'retries', 'experiment', 'registerModel', 'env', 'params'];

/** The form for a training job; on success the job's page follows its progress. */
export function SubmitJobForm({ initialCluster }: { initialCluster: string | null }) {
  const { org } = useOrg();
  const router = useRouter();
  const canSubmit = useCan('JOB_SUBMIT');
  const options = useGqlQuery(SubmitJobOptionsQuery, {});
  const submit = useGqlMutation(SubmitTrainingJob);
  const [f, setF] = useState({
    project: '',
    cluster: '',
    name: '',
    image: '',
    command: '',
    cpu: '1',
    memoryMiB: '1024',
    gpuCount: '0',
    gpuType: '',
    maxRuntime: '60',
    retries: '0',
    experiment: '',
    registerModel: '',
  });
  const [env, setEnv] = useState<Row[]>([]);
  const [params, setParams] = useState<Row[]>([]);
  const [example, setExample] = useState<{ id: string; inputs: ExampleSpec['inputs'] } | null>(null);
  const [errors, setErrors] = useState<FormErrors>({});
  /** Edits to a list of rows clear that list's errors. */
  const editRows = (prefix: string, setRows: (rows: Row[]) => void) => (rows: Row[]) => {
    setRows(rows);
    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith(prefix))));
  };
  const [formError, setFormError] = useState<string | null>(null);

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
    setExample({ id, inputs: spec.inputs });
    setErrors({});
    setFormError(null);
  }

  function set(key: keyof typeof f, value: string) {
    setF((x) => ({ ...x, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
    setFormError(null);
  }

  const parsed = splitCommand(f.command);
  const parts = 'parts' in parsed ? parsed.parts : [];
  const gpuTypes = [...new Set([...(cluster?.capacity?.gpus.map((g) => g.gpuType) ?? []), ...(cluster?.prices.gpu.map((g) => g.gpuType) ?? [])])].sort();

  // What the cluster's catalog charges for these resources, by the rule jobs are charged by.
  const cpu = Number(f.cpu);
  const mem = Number(f.memoryMiB);
  const gpus = Number(f.gpuCount) || 0;
  const maxMinutes = Number(f.maxRuntime);
  let costOf: ((seconds: number) => number) | null = null;
  if (cluster && cpu > 0 && mem > 0) {
    const p = cluster.prices;
    const prices = { cpuCoreHourMicros: toMicros(p.cpuCoreHourMicros), memoryGibHourMicros: toMicros(p.memoryGibHourMicros), gpu: p.gpu.map((g) => ({ gpuType: g.gpuType, hourMicros: toMicros(g.hourMicros) })) };
    const resources = { cpu, memoryMiB: mem, gpuCount: gpus, gpuType: f.gpuType.trim() || null };
    costOf = (seconds) => jobCostMicros(seconds, resources, prices);
  }

  function validate(): FormErrors {
    const e: FormErrors = {};
    const num = (v: string) => (v.trim() === '' ? NaN : Number(v));
    if (!project) e.project = 'Choose a project';
    if (!cluster) e.cluster = 'Choose a cluster';
    if ('error' in parsed) e.command = parsed.error;
    else if (parsed.parts.length === 0) e.command = 'Enter the command to run';
    if (!(num(f.cpu) > 0)) e.cpu = 'A positive number of cores, e.g. 0.5';
    if (!Number.isInteger(num(f.memoryMiB)) || num(f.memoryMiB) <= 0) e.memoryMiB = 'Whole MiB, e.g. 2048';
    if (!Number.isInteger(num(f.gpuCount)) || num(f.gpuCount) < 0) e.gpuCount = 'A whole number';
    if (!(num(f.maxRuntime) > 0)) e.maxRuntime = 'A positive number of minutes';
    if (!Number.isInteger(num(f.retries)) || num(f.retries) < 0) e.retries = 'A whole number';
    const seen = (rows: Row[], id: string, check: (n: string) => string | undefined) => {
      const names = new Set<string>();
      for (const r of rows) {
        const n = r.name.trim();
        if (!n && !r.value) continue;
        const problem = !n ? 'Enter a name' : (check(n) ?? (names.has(n) ? 'Listed twice' : undefined));
        if (problem) e[`${id}.${r.key}`] = problem;
        names.add(n);
      }
    };
    seen(env, 'env', envNameError);
    seen(params, 'params', paramKeyError);
    return e;
  }

  function onSubmit(ev: React.FormEvent) {
    ev.preventDefault();
    const e = validate();
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
    };
    submit.mutate(
      { input },
      {
        onSuccess: (d) => router.push(`/o/${org.slug}/jobs/${d.submitTrainingJob.id}`),
        onError: (err) => {
          const mapped = isGraphQLRequestError(err) ? mapServerFields(err.fields, env, params) : {};
          const shown = Object.keys(mapped).filter((k) => FIELD_KEYS.includes(k) || /^(env|params)\.\d+$/.test(k));
          setErrors(mapped);
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

  const k8s = cluster?.kind === 'kubernetes';
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
            <Banner tone="error" title="The job was not submitted" className="mb-4">
              <span data-testid="submit-error">{formError}</span>
            </Banner>
          )}
          <Card>
            <Section title="What to run" description="The command runs in the image on Kubernetes, or as a process on the Gantry host on the local cluster.">
              {(options.data?.exampleJobs.length ?? 0) > 0 && (
                <Field label="Start from an example" htmlFor="job-example" optional hint="Fills the form from a job bundled with Gantry (examples/); change anything before submitting">
                  <Select id="job-example" value={example?.id ?? ''} onChange={(e) => applyExample(e.target.value)}>
                    <option value="">None</option>
                    {options.data!.exampleJobs
                      .filter((e) => e.kind === 'training')
                      .map((e) => (
                        <option key={e.id} value={e.id}>
                          {e.title} ({e.id})
                        </option>
                      ))}
                  </Select>
                </Field>
              )}
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label="Project" htmlFor="job-project" error={errors.project}>
                  <Select id="job-project" value={project} invalid={!!errors.project} onChange={(e) => set('project', e.target.value)}>
                    <option value="">Choose a project…</option>
                    {projects.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name} · {p.team.name}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field label="Cluster" htmlFor="job-cluster" error={errors.cluster}>
                  <Select id="job-cluster" value={cluster?.id ?? ''} invalid={!!errors.cluster} onChange={(e) => set('cluster', e.target.value)}>
                    {clusters.map((c) => {
                      const n = c.capacity?.gpus.reduce((s, g) => s + g.allocatable, 0) ?? 0;
                      return (
                        <option key={c.id} value={c.id}>
                          {c.name} · {c.kind === 'local' ? 'this host' : `Kubernetes${n ? `, ${n} GPUs` : ''}`}
                          {c.status !== 'ready' ? ` (${c.status})` : ''}
                        </option>
                      );
                    })}
                  </Select>
                </Field>
              </div>
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label="Name" htmlFor="job-name" optional hint="Defaults to the command" error={errors.name}>
                  <Input id="job-name" placeholder="e.g. churn-gbdt-nightly" value={f.name} invalid={!!errors.name} onChange={(e) => set('name', e.target.value)} autoComplete="off" />
                </Field>
                <Field label="Image" htmlFor="job-image" optional={!k8s} hint={k8s ? 'Required on Kubernetes' : 'Not used on the local cluster'} error={errors.image}>
                  <Input
                    id="job-image"
                    placeholder="ghcr.io/acme/train:1.4"
                    value={f.image}
                    invalid={!!errors.image}
                    onChange={(e) => set('image', e.target.value)}
                    className="font-mono text-[13px]"
                    autoComplete="off"
                    spellCheck={false}
                  />
                </Field>
              </div>
              <Field
                label="Command"
                htmlFor="job-command"
                error={errors.command}
                hint={
                  parts.length > 0 ? (
                    <span className="flex flex-wrap items-center gap-1" data-testid="command-parts">
                      <span className="mr-1">{parts.length} part{parts.length === 1 ? '' : 's'}:</span>
                      {parts.map((p, i) => (
                        <code key={i} className="max-w-full truncate rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-[12px] text-zinc-700 ring-1 ring-zinc-200">
                          {p === '' ? '""' : p}
                        </code>
                      ))}
                    </span>
                  ) : (
                    'Split on spaces like a shell: quote an argument that contains spaces'
                  )
                }
              >
                <Textarea
                  id="job-command"
                  rows={2}
                  placeholder={`python3 train.py --epochs 10`}
                  value={f.command}
                  invalid={!!errors.command}
                  onChange={(e) => set('command', e.target.value)}
                  className="font-mono text-[13px]"
                  spellCheck={false}
                />
              </Field>
              <KeyValueRows
                id="env"
                title="Environment variables"
                rows={env}
                onChange={editRows('env', setEnv)}
                errors={errors}
                keyLabel="Variable"
                keyPlaceholder="NAME"
                valuePlaceholder="value"
                addLabel="Add variable"
              />
            </Section>

            <Section title="Resources" description="Requested resources are what the cluster reserves, and what the job is charged for.">
              <div className="grid gap-4 sm:grid-cols-4">
                <Field label="CPU cores" htmlFor="job-cpu" error={errors.cpu}>
                  <Input id="job-cpu" inputMode="decimal" value={f.cpu} invalid={!!errors.cpu} onChange={(e) => set('cpu', e.target.value)} />
                </Field>
                <Field label="Memory (MiB)" htmlFor="job-memory" error={errors.memoryMiB}>
                  <Input id="job-memory" inputMode="numeric" value={f.memoryMiB} invalid={!!errors.memoryMiB} onChange={(e) => set('memoryMiB', e.target.value)} />
                </Field>
                <Field label="GPUs" htmlFor="job-gpus" error={errors.gpuCount}>
                  <Input id="job-gpus" inputMode="numeric" value={f.gpuCount} invalid={!!errors.gpuCount} onChange={(e) => set('gpuCount', e.target.value)} />
                </Field>
                <Field label="GPU type" htmlFor="job-gpu-type" optional error={errors.gpuType}>
                  <Input
                    id="job-gpu-type"
                    list="job-gpu-types"
                    placeholder={gpus > 0 ? 'Any' : '—'}
                    disabled={!(gpus > 0)}
                    value={gpus > 0 ? f.gpuType : ''}
                    invalid={!!errors.gpuType}
                    onChange={(e) => set('gpuType', e.target.value)}
                    className="font-mono text-[13px]"
                    autoComplete="off"
                  />
                  <datalist id="job-gpu-types">
                    {gpuTypes.map((t) => (
                      <option key={t} value={t} />
                    ))}
                  </datalist>
                </Field>
              </div>
              <div className="grid gap-4 sm:grid-cols-4">
                <Field label="Max runtime (minutes)" htmlFor="job-max-runtime" error={errors.maxRuntime} className="sm:col-span-2">
                  <Input id="job-max-runtime" inputMode="decimal" value={f.maxRuntime} invalid={!!errors.maxRuntime} onChange={(e) => set('maxRuntime', e.target.value)} />
                </Field>
                <Field label="Retries" htmlFor="job-retries" hint="After a failed attempt" error={errors.retries} className="sm:col-span-2">
                  <Input id="job-retries" inputMode="numeric" value={f.retries} invalid={!!errors.retries} onChange={(e) => set('retries', e.target.value)} />
                </Field>
              </div>
              {costOf !== null && (
                <p className="rounded-lg bg-zinc-50 px-3 py-2 text-[13px] text-zinc-600 ring-1 ring-zinc-100" data-testid="cost-estimate">
                  At {cluster!.name}’s prices: <span className="font-medium tabular-nums text-zinc-900">{formatMicros(costOf(3600))}</span> per hour
                  {maxMinutes > 0 && (
                    <>
                      , at most <span className="font-medium tabular-nums text-zinc-900">{formatMicros(costOf(maxMinutes * 60))}</span> if it runs the full {maxMinutes} minutes
                    </>
                  )}
                  .
                </p>
              )}
            </Section>

            <Section title="Tracking" description="The job logs into a run in this experiment. Hyperparameters reach the code as GANTRY_PARAM_<NAME> and are logged as run params.">
              <div className="grid gap-4 sm:grid-cols-2">
                <Field
                  label="Experiment"
                  htmlFor="job-experiment"
                  optional
                  hint={`Created when missing. Default: ${projects.find((p) => p.id === project)?.slug ?? '<project>'}-jobs`}
                  error={errors.experiment}
                >
                  <Input id="job-experiment" value={f.experiment} invalid={!!errors.experiment} onChange={(e) => set('experiment', e.target.value)} autoComplete="off" />
                </Field>
                <Field label="Register model as" htmlFor="job-register-model" optional hint="A new version from the run’s “model” artifact when the job succeeds" error={errors.registerModel}>
                  <Input id="job-register-model" placeholder="e.g. churn-classifier" value={f.registerModel} invalid={!!errors.registerModel} onChange={(e) => set('registerModel', e.target.value)} autoComplete="off" />
                </Field>
              </div>
              <KeyValueRows
                id="params"
                title="Hyperparameters"
                rows={params}
                onChange={editRows('params', setParams)}
                errors={errors}
                keyLabel="Hyperparameter"
                keyPlaceholder="learning_rate"
                valuePlaceholder="0.05"
                addLabel="Add hyperparameter"
              />
            </Section>
            <CardFooter className="justify-between">
              <p className="text-[13px] text-zinc-500">You can follow the job’s logs and cancel it from its page.</p>
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

