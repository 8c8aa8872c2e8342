'use client';

import { useState } from 'react';
import { graphql } from '@/app/gql';
import { PlusIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import { Banner, Button, Field, Input, Select, cx } from '@/app/components/ui';
import { formatShortDateTime } from '@/app/lib/format';
import { useFormErrors } from '@/app/lib/forms';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';

const RegisterExperimentsQuery = graphql(`
  query RegisterExperiments($projectId: ID!) {
    experiments(projectId: $projectId, first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const RegisterRunsQuery = graphql(`
  query RegisterRuns($experimentId: ID!) {
    runs(experimentId: $experimentId, first: 50, orderBy: [{ attribute: START_TIME, ascending: false }]) {
      edges {
        node {
          id
          name
          status
          startTime
        }
      }
    }
  }
`);

const RegisterRunArtifactsQuery = graphql(`
  query RegisterRunArtifacts($runId: ID!) {
    runArtifacts(runId: $runId) {
      path
      isDir
    }
  }
`);

const CreateModelVersionMutation = graphql(`
  mutation CreateModelVersion($input: CreateModelVersionInput!) {
    createModelVersion(input: $input) {
      id
      version
    }
  }
`);

type Mode = 'run' | 'uri';

/** Registers a new version from a run's artifacts (in the model's project) or from a storage URI. */
export function RegisterVersionForm({ modelId, projectId, onDone }: { modelId: string; projectId: string; onDone: () => void }) {
  const toast = useToast();
  const errors = useFormErrors();
  const [mode, setMode] = useState<Mode>('run');
  const [experimentId, setExperimentId] = useState('');
  const [runId, setRunId] = useState('');
  const [artifactPath, setArtifactPath] = useState('model');
  const [source, setSource] = useState('');
  const [framework, setFramework] = useState('');
  const [description, setDescription] = useState('');
  const experiments = useGqlQuery(RegisterExperimentsQuery, { projectId }, { enabled: mode === 'run' });
  const experimentList = experiments.data?.experiments.edges.map((e) => e.node) ?? [];
  const experiment = experimentId || experimentList[0]?.id || '';
  const runs = useGqlQuery(RegisterRunsQuery, { experimentId: experiment }, { enabled: mode === 'run' && !!experiment });
  const runList = runs.data?.runs.edges.map((e) => e.node) ?? [];
  const run = runList.some((r) => r.id === runId) ? runId : (runList[0]?.id ?? '');
  const artifacts = useGqlQuery(RegisterRunArtifactsQuery, { runId: run }, { enabled: mode === 'run' && !!run });
  const dirs = artifacts.data?.runArtifacts.filter((a) => a.isDir).map((a) => a.path) ?? [];
  const create = useGqlMutation(CreateModelVersionMutation);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const ok =
      mode === 'run'
        ? errors.check({ runId: run ? undefined : 'Choose a run' })
        : errors.check({ source: source.trim() ? undefined : 'Storage URI is required' });
    if (!ok) return;
    create.mutate(
      {
        input: {
          modelId,
          ...(mode === 'run' ? { runId: run, artifactPath: artifactPath.trim() || null } : { source: source.trim() }),
          framework: framework.trim() || null,
          description: description.trim() || null,
        },
      },
      {
        onSuccess: (d) => {
          toast.success(`Version ${d.createModelVersion.version} registered`);
          onDone();
        },
        onError: (err) => errors.fromError(err, ['runId', 'artifactPath', 'source', 'framework', 'description']),
      },
    );
  }

  const tab = (m: Mode, label: string) => (
    <button
      type="button"
      role="tab"
      aria-selected={mode === m}
      onClick={() => {
        setMode(m);
        errors.clear();
      }}
      className={cx('rounded-md px-2.5 py-1 text-[13px] font-medium', mode === m ? 'bg-white text-zinc-900 shadow-xs ring-1 ring-zinc-200' : 'text-zinc-500 hover:text-zinc-800')}
    >
      {label}
    </button>
  );

  return (
    <form onSubmit={submit} noValidate className="border-t border-zinc-100 bg-zinc-50/60 px-5 py-4" data-testid="register-version-form">
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <h3 className="text-sm font-semibold text-zinc-900">Register a version</h3>
        <div role="tablist" aria-label="Version source" className="inline-flex gap-1 rounded-lg bg-zinc-100 p-1">
          {tab('run', 'From a run')}
          {tab('uri', 'From a storage URI')}
        </div>
      </div>
      <div className="grid gap-4 md:grid-cols-3">
        {mode === 'run' ? (
          <>
            <Field label="Experiment" htmlFor="version-experiment" hint={experiments.data && experimentList.length === 0 ? 'This project has no experiments yet.' : undefined}>
              <Select id="version-experiment" value={experiment} onChange={(e) => setExperimentId(e.target.value)} disabled={experimentList.length === 0}>
                {experimentList.map((x) => (
                  <option key={x.id} value={x.id}>
                    {x.name}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Run" htmlFor="version-run" error={errors.fields.runId} hint={runs.data && runList.length === 0 ? 'No runs in this experiment.' : undefined}>
              <Select id="version-run" value={run} onChange={(e) => setRunId(e.target.value)} disabled={runList.length === 0} invalid={!!errors.fields.runId}>
                {runList.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name} · {formatShortDateTime(r.startTime)}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Artifact path" htmlFor="version-artifact-path" error={errors.fields.artifactPath} hint="Folder inside the run’s artifacts">
              <Input
                id="version-artifact-path"
                list="version-artifact-dirs"
                value={artifactPath}
                maxLength={1000}
                onChange={(e) => setArtifactPath(e.target.value)}
                className="font-mono text-[13px]"
              />
              <datalist id="version-artifact-dirs">
                {dirs.map((d) => (
                  <option key={d} value={d} />
                ))}
              </datalist>
            </Field>
          </>
        ) : (
          <Field label="Storage URI" htmlFor="version-source" error={errors.fields.source} hint="s3://…, gs://… or another URI the code that loads the model can read" className="md:col-span-3">
            <Input
              id="version-source"
              placeholder="s3://models/churn/2024-06-01"
              value={source}
              maxLength={2048}
              invalid={!!errors.fields.source}
              onChange={(e) => {
                setSource(e.target.value);
                errors.clearField('source');
              }}
              className="font-mono text-[13px]"
            />
          </Field>
        )}
        <Field label="Framework" htmlFor="version-framework" optional error={errors.fields.framework}>
          <Input id="version-framework" placeholder="e.g. sklearn" maxLength={100} value={framework} onChange={(e) => setFramework(e.target.value)} />
        </Field>
        <Field label="Description" htmlFor="version-description" optional error={errors.fields.description} className="md:col-span-2">
          <Input id="version-description" placeholder="What changed in this version" maxLength={5000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
      </div>
      {errors.form && <Banner tone="error" className="mt-3">{errors.form}</Banner>}
      <div className="mt-4 flex justify-end gap-2">
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" loading={create.isPending}>
          <PlusIcon className="size-4" /> Register version
        </Button>
      </div>
    </form>
  );
}
