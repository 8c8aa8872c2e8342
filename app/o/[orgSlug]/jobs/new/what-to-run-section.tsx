'use client';

import type { SubmitJobOptionsQuery } from '@/app/gql/graphql';
import { Field, Input, Select, Textarea } from '@/app/components/ui';
import { Section } from './form-section';
import type { FormErrors, JobFormCluster, JobFormProject, JobFormValues } from './job-form';
import { KeyValueRows, type Row } from './key-value-rows';

/** Where and what: an example to start from, project, cluster, name, image, command and environment. */
export function WhatToRunSection({
  f,
  set,
  errors,
  examples,
  exampleId,
  onExample,
  projects,
  project,
  clusters,
  cluster,
  parts,
  env,
  onEnvChange,
}: {
  f: JobFormValues;
  set: (key: keyof JobFormValues, value: string) => void;
  errors: FormErrors;
  examples: SubmitJobOptionsQuery['exampleJobs'];
  exampleId: string;
  onExample: (id: string) => void;
  projects: JobFormProject[];
  /** The chosen project's ID (or the only one). */
  project: string;
  clusters: JobFormCluster[];
  cluster: JobFormCluster | undefined;
  /** The command line, split as it will be sent. */
  parts: string[];
  env: Row[];
  onEnvChange: (rows: Row[]) => void;
}) {
  const k8s = cluster?.kind === 'kubernetes';
  return (
    <Section title="What to run" description="The command runs in the image on Kubernetes, or as a process on the Gantry host on the local cluster.">
      {examples.length > 0 && (
        <Field label="Start from an example" htmlFor="job-example" optional hint="Fills the form from a job bundled with Gantry (examples/); change anything before submitting">
          <Select id="job-example" value={exampleId} onChange={(e) => onExample(e.target.value)}>
            <option value="">None</option>
            {examples
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
        onChange={onEnvChange}
        errors={errors}
        keyLabel="Variable"
        keyPlaceholder="NAME"
        valuePlaceholder="value"
        addLabel="Add variable"
      />
    </Section>
  );
}
