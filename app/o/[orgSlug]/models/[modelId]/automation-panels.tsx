'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { useConfirm } from '@/app/components/confirm';
import { RefreshIcon, ShieldIcon } from '@/app/components/icons';
import { JobStatusBadge } from '@/app/components/job-status';
import { useToast } from '@/app/components/toast';
import { Badge, Button, Card, CardHeader, EmptyState, Field, Input, LoadError, Select, Skeleton, Textarea } from '@/app/components/ui';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { ApiErrorBanner } from '../editors';

const AutomationQuery = graphql(`
  query ModelAutomation($modelId: ID!) {
    evaluationPolicy(modelId: $modelId) {
      id
      checks
      cluster
      command
      updatedAt
    }
    retrainingPolicies(modelId: $modelId) {
      id
      name
      cron
      timezone
      evaluate
      autoPromote
      paused
      nextRunTimes
      scheduleState
      lastRunAt
      command
      jobs(first: 5) {
        edges {
          node {
            id
            status
            reason
            createdAt
            modelVersionId
          }
        }
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

const SetPolicyMutation = graphql(`
  mutation SetEvaluationPolicy($modelId: ID!, $checks: [String!]!, $jobTemplate: JobTemplateInput!) {
    setEvaluationPolicy(modelId: $modelId, checks: $checks, jobTemplate: $jobTemplate) {
      id
    }
  }
`);

const CreateRetrainingMutation = graphql(`
  mutation CreateRetrainingPolicy($input: CreateRetrainingPolicyInput!) {
    createRetrainingPolicy(input: $input) {
      id
    }
  }
`);

const PauseMutation = graphql(`
  mutation SetRetrainingPaused($policyId: ID!, $paused: Boolean!) {
    setRetrainingPaused(policyId: $policyId, paused: $paused) {
      id
      paused
    }
  }
`);

const TriggerMutation = graphql(`
  mutation TriggerRetraining($policyId: ID!) {
    triggerRetraining(policyId: $policyId)
  }
`);

const DeleteRetrainingMutation = graphql(`
  mutation DeleteRetrainingPolicy($policyId: ID!) {
    deleteRetrainingPolicy(policyId: $policyId)
  }
`);

interface ExampleJob {
  id: string;
  title: string;
  kind: string;
  specJson: string;
}

/** A job template from an example spec: the fields a policy's job takes. */
function templateFrom(specJson: string) {
  const s = JSON.parse(specJson) as {
    command: string[];
    args?: string[];
    image?: string;
    cluster?: string;
    experiment?: string;
    maxRuntimeSeconds?: number;
    retries?: number;
    env?: Record<string, string>;
    hyperparameters?: Record<string, string | number | boolean>;
    inputs?: { name: string; source: string; digest?: string }[];
    python?: { requirements: string[] } | null;
    resources?: { cpu?: number; memoryMiB?: number; gpu?: { count?: number; type?: string | null } };
  };
  const pairs = (r?: Record<string, unknown>) => Object.entries(r ?? {}).map(([key, value]) => ({ key, value: String(value) }));
  return {
    command: s.command,
    args: s.args ?? [],
    image: s.image,
    cluster: s.cluster,
    experiment: s.experiment,
    maxRuntimeSeconds: s.maxRuntimeSeconds,
    retries: s.retries,
    env: pairs(s.env),
    hyperparameters: pairs(s.hyperparameters),
    inputs: s.inputs?.map((i) => ({ name: i.name, source: i.source, digest: i.digest })),
    python: s.python ? { requirements: s.python.requirements } : undefined,
    resources: s.resources ? { cpu: s.resources.cpu, memoryMiB: s.resources.memoryMiB, gpuCount: s.resources.gpu?.count ?? 0, gpuType: s.resources.gpu?.type ?? undefined } : undefined,
  };
}

/** A typed command line as a template: first word the command, the rest its arguments (quotes group words). */
function templateFromCommand(line: string) {
  const words = [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  return { command: words.slice(0, 1), args: words.slice(1) };
}

function JobSource({ examples, kind, value, onChange, idPrefix }: { examples: ExampleJob[]; kind: 'training' | 'evaluation'; value: string; onChange: (v: string) => void; idPrefix: string }) {
  const options = examples.filter((e) => e.kind === kind);
  return (
    <Field label="Job" htmlFor={`${idPrefix}-job`} hint="An example bundled with Gantry, or your own command (run on the local cluster)">
      <Select id={`${idPrefix}-job`} value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((e) => (
          <option key={e.id} value={e.id}>
            Example: {e.title}
          </option>
        ))}
        <option value="">My own command…</option>
      </Select>
    </Field>
  );
}

function EvaluationPolicyCard({ modelId, policy, examples }: { modelId: string; policy: { checks: string[]; cluster: string; command: string[]; updatedAt: string } | null; examples: ExampleJob[] }) {
  const toast = useToast();
  const canEdit = useCan('EVALUATION_WRITE');
  const [editing, setEditing] = useState(false);
  const [checks, setChecks] = useState(policy?.checks.join('\n') ?? 'auc >= 0.8\nauc >= champion.auc - 0.01');
  const firstExample = examples.find((e) => e.kind === 'evaluation')?.id ?? '';
  const [source, setSource] = useState(firstExample);
  const [command, setCommand] = useState('');
  const save = useGqlMutation(SetPolicyMutation);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const example = examples.find((x) => x.id === source);
    const jobTemplate = example ? templateFrom(example.specJson) : templateFromCommand(command);
    save.mutate(
      { modelId, checks: checks.split('\n').map((c) => c.trim()).filter(Boolean), jobTemplate },
      {
        onSuccess: () => {
          toast.success('Evaluation policy saved');
          setEditing(false);
        },
      },
    );
  }

  return (
    <Card>
      <CardHeader
        title="Evaluation policy"
        description="The checks a version must pass, and the job that scores it."
        actions={canEdit && !editing ? <Button size="sm" variant="secondary" onClick={() => setEditing(true)} data-testid="edit-evaluation-policy">{policy ? 'Edit' : 'Set policy'}</Button> : null}
      />
      <div className="p-5">
        {editing ? (
          <form onSubmit={submit} className="space-y-3" data-testid="evaluation-policy-form">
            <Field label="Checks" htmlFor="eval-checks" hint="One per line: metric >= number, or metric >= champion.metric - delta">
              <Textarea id="eval-checks" rows={3} value={checks} onChange={(e) => setChecks(e.target.value)} className="font-mono text-[13px]" />
            </Field>
            <JobSource examples={examples} kind="evaluation" value={source} onChange={setSource} idPrefix="eval" />
            {source === '' && (
              <Field label="Command" htmlFor="eval-command">
                <Input id="eval-command" value={command} onChange={(e) => setCommand(e.target.value)} placeholder="python3 /path/to/evaluate.py" className="font-mono text-[13px]" />
              </Field>
            )}
            {save.error && <ApiErrorBanner error={save.error} testId="evaluation-policy-error" />}
            <div className="flex justify-end gap-2">
              <Button variant="secondary" size="sm" onClick={() => setEditing(false)}>
                Cancel
              </Button>
              <Button type="submit" size="sm" loading={save.isPending}>
                Save policy
              </Button>
            </div>
          </form>
        ) : policy ? (
          <dl className="grid grid-cols-[8rem_1fr] gap-y-1.5 text-[13px]" data-testid="evaluation-policy">
            <dt className="text-zinc-500">Checks</dt>
            <dd className="space-y-0.5 font-mono text-zinc-800">{policy.checks.map((c) => <div key={c}>{c}</div>)}</dd>
            <dt className="text-zinc-500">Job</dt>
            <dd className="truncate font-mono text-zinc-700" title={policy.command.join(' ')}>{policy.command.join(' ')}</dd>
            <dt className="text-zinc-500">Cluster</dt>
            <dd>{policy.cluster}</dd>
          </dl>
        ) : (
          <EmptyState
            compact
            icon={<ShieldIcon />}
            title="No evaluation policy"
            description="Without one, versions are not scored and no alias can require a passing evaluation."
            testId="evaluation-policy-empty"
          />
        )}
      </div>
    </Card>
  );
}

function NewRetrainingForm({ modelId, examples, hasEvaluationPolicy, onDone }: { modelId: string; examples: ExampleJob[]; hasEvaluationPolicy: boolean; onDone: () => void }) {
  const toast = useToast();
  const [name, setName] = useState('weekly retraining');
  const [cron, setCron] = useState('0 3 * * 1');
  const [source, setSource] = useState(examples.find((e) => e.kind === 'training')?.id ?? '');
  const [command, setCommand] = useState('');
  const [evaluate, setEvaluate] = useState(hasEvaluationPolicy);
  const [autoPromote, setAutoPromote] = useState(false);
  const create = useGqlMutation(CreateRetrainingMutation);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const example = examples.find((x) => x.id === source);
    const jobTemplate = example ? templateFrom(example.specJson) : templateFromCommand(command);
    create.mutate(
      { input: { modelId, name, cron, jobTemplate, evaluate, autoPromote } },
      {
        onSuccess: () => {
          toast.success('Retraining scheduled', `${name}: ${cron}`);
          onDone();
        },
      },
    );
  }

  return (
    <form onSubmit={submit} className="space-y-3 rounded-lg border border-zinc-200 bg-zinc-50/70 p-4" data-testid="retraining-form">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Name" htmlFor="rt-name">
          <Input id="rt-name" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Schedule (cron, UTC)" htmlFor="rt-cron" hint='e.g. "0 3 * * 1" = Mondays 03:00, or @daily'>
          <Input id="rt-cron" value={cron} onChange={(e) => setCron(e.target.value)} className="font-mono" />
        </Field>
      </div>
      <JobSource examples={examples} kind="training" value={source} onChange={setSource} idPrefix="rt" />
      {source === '' && (
        <Field label="Command" htmlFor="rt-command">
          <Input id="rt-command" value={command} onChange={(e) => setCommand(e.target.value)} placeholder="python3 /path/to/train.py" className="font-mono text-[13px]" />
        </Field>
      )}
      <div className="flex flex-wrap gap-5 text-[13px] text-zinc-700">
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={evaluate} disabled={!hasEvaluationPolicy} onChange={(e) => setEvaluate(e.target.checked)} className="size-4 rounded border-zinc-300" />
          Evaluate each new version {hasEvaluationPolicy ? '' : '(set an evaluation policy first)'}
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={autoPromote} onChange={(e) => setAutoPromote(e.target.checked)} className="size-4 rounded border-zinc-300" />
          Promote to champion automatically (otherwise challenger)
        </label>
      </div>
      {create.error && <ApiErrorBanner error={create.error} testId="retraining-error" />}
      <div className="flex justify-end gap-2">
        <Button variant="secondary" size="sm" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" size="sm" loading={create.isPending}>
          Schedule retraining
        </Button>
      </div>
    </form>
  );
}

type Policy = {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  evaluate: boolean;
  autoPromote: boolean;
  paused: boolean;
  nextRunTimes: string[];
  scheduleState: 'active' | 'paused' | 'missing' | 'unknown';
  lastRunAt: string | null;
  command: string[];
  jobs: { edges: { node: { id: string; status: string; reason: string | null; createdAt: string; modelVersionId: string | null } }[] };
};

/** What the policy's schedule will do, as far as the workflow service can say right now. */
function scheduleText(policy: Policy): string {
  if (policy.scheduleState === 'unknown') return 'The workflow service is not reachable: next runs unknown.';
  if (policy.scheduleState === 'missing') return 'The schedule is missing: no scheduled runs. Pause and resume to recreate it.';
  if (policy.paused) return 'Paused: no scheduled runs.';
  if (policy.scheduleState === 'paused') return 'The schedule is paused although the policy is not: pause and resume to restart it.';
  const next = policy.nextRunTimes[0];
  return next ? `Next run ${formatDateTime(next)} (${formatRelative(next)})` : 'No upcoming runs.';
}

function RetrainingPolicyRow({ policy, canManage }: { policy: Policy; canManage: boolean }) {
  const { org } = useOrg();
  const toast = useToast();
  const confirm = useConfirm();
  const pause = useGqlMutation(PauseMutation);
  const trigger = useGqlMutation(TriggerMutation);
  const remove = useGqlMutation(DeleteRetrainingMutation);
  const error = pause.error ?? trigger.error ?? remove.error;
  const jobs = policy.jobs.edges.map((e) => e.node);

  return (
    <li className="rounded-lg border border-zinc-200 p-4" data-testid="retraining-policy" data-paused={policy.paused}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-medium text-zinc-900">{policy.name}</span>
            <code className="whitespace-nowrap rounded bg-zinc-100 px-1.5 py-0.5 font-mono text-[12px] text-zinc-700">{policy.cron}</code>
            {policy.paused ? <Badge tone="amber">Paused</Badge> : <Badge tone="green">Active</Badge>}
            {policy.evaluate && <Badge>evaluated</Badge>}
            <Badge tone={policy.autoPromote ? 'violet' : 'neutral'}>{policy.autoPromote ? '→ champion' : '→ challenger'}</Badge>
          </div>
          <p className="mt-1 text-[13px] text-zinc-500" data-testid="retraining-next">
            {scheduleText(policy)}
            {policy.lastRunAt && ` · last ran ${formatRelative(policy.lastRunAt)}`}
          </p>
        </div>
        {canManage && (
          <div className="flex gap-2">
            <Button size="sm" variant="secondary" loading={trigger.isPending} onClick={() => trigger.mutate({ policyId: policy.id }, { onSuccess: () => toast.success('Retraining started', 'A training job is on its way.') })}>
              Run now
            </Button>
            <Button size="sm" variant="secondary" loading={pause.isPending} onClick={() => pause.mutate({ policyId: policy.id, paused: !policy.paused })}>
              {policy.paused ? 'Resume' : 'Pause'}
            </Button>
            <Button
              size="sm"
              variant="secondary"
              loading={remove.isPending}
              onClick={async () => {
                if (await confirm({ title: `Delete “${policy.name}”?`, body: 'The schedule stops; jobs it already ran stay.', confirmLabel: 'Delete', danger: true })) remove.mutate({ policyId: policy.id });
              }}
            >
              Delete
            </Button>
          </div>
        )}
      </div>
      {error && <ApiErrorBanner error={error} className="mt-2" />}
      <div className="mt-3">
        <p className="text-[12px] font-medium tracking-wide text-zinc-500 uppercase">Recent runs</p>
        {jobs.length === 0 ? (
          <p className="mt-1 text-[13px] text-zinc-400">None yet.</p>
        ) : (
          <ul className="mt-1 space-y-1" data-testid="retraining-history">
            {jobs.map((j) => (
              <li key={j.id} className="flex items-center gap-2 text-[13px]">
                <JobStatusBadge status={j.status} reason={j.reason} />
                <Link href={`/o/${org.slug}/jobs/${j.id}`} className="font-mono text-brand-700 hover:text-brand-800">
                  {j.id}
                </Link>
                <span className="text-zinc-500">{formatRelative(j.createdAt)}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
    </li>
  );
}

/** The model's evaluation policy and retraining schedules. */
export function AutomationPanels({ modelId }: { modelId: string }) {
  const canManage = useCan('RETRAINING_MANAGE') ?? false;
  const [adding, setAdding] = useState(false);
  const q = useGqlQuery(AutomationQuery, { modelId }, { refetchInterval: 10_000 });
  if (q.isLoading) return <Skeleton className="h-40" />;
  if (q.error) return <LoadError error={q.error} onRetry={() => void q.refetch()} />;
  const data = q.data!;
  return (
    <>
      <EvaluationPolicyCard key={data.evaluationPolicy?.id ?? 'none'} modelId={modelId} policy={data.evaluationPolicy ?? null} examples={data.exampleJobs} />
      <Card>
        <CardHeader
          title="Retraining"
          description="Train on a schedule, then register, evaluate and promote the new version."
          actions={canManage && !adding ? <Button size="sm" variant="secondary" onClick={() => setAdding(true)} data-testid="add-retraining">Schedule retraining</Button> : null}
        />
        <div className="space-y-3 p-5">
          {adding && <NewRetrainingForm modelId={modelId} examples={data.exampleJobs} hasEvaluationPolicy={!!data.evaluationPolicy} onDone={() => setAdding(false)} />}
          {data.retrainingPolicies.length === 0 && !adding ? (
            <EmptyState
              compact
              icon={<RefreshIcon />}
              title="No retraining schedule"
              description="Retrain this model on a cron schedule from a job template."
              testId="retraining-empty"
            />
          ) : (
            <ul className="space-y-3">
              {data.retrainingPolicies.map((p) => (
                <RetrainingPolicyRow key={p.id} policy={p} canManage={canManage} />
              ))}
            </ul>
          )}
        </div>
      </Card>
    </>
  );
}
