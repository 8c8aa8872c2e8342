'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { RocketIcon } from '@/app/components/icons';
import { Banner, Breadcrumb, Button, ButtonLink, Card, CardBody, CardFooter, CardHeader, cx, EmptyState, Field, Input, LoadError, PageHeader, Select, Skeleton } from '@/app/components/ui';
import { useFormErrors } from '@/app/lib/forms';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';

const DeployModelsQuery = graphql(`
  query DeployModels {
    registeredModels(first: 100, orderBy: RECENTLY_UPDATED) {
      edges {
        node {
          id
          name
          latestVersion
          aliases {
            alias
            version
          }
        }
      }
    }
  }
`);

const DeployVersionsQuery = graphql(`
  query DeployVersions($modelId: ID!) {
    modelVersions(modelId: $modelId, first: 100) {
      edges {
        node {
          id
          version
          status
          framework
        }
      }
    }
  }
`);

const CreateDeploymentMutation = graphql(`
  mutation CreateDeployment($input: CreateDeploymentInput!) {
    createDeployment(input: $input) {
      id
      name
    }
  }
`);

const NAME_RE = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** A deployment name from a model name: what the endpoint's URL can carry. */
const suggestName = (model: string) =>
  `${model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 55) || 'model'}-prod`;

/** Serve a model version (or follow an alias) behind a new endpoint. */
export function DeployForm({ initialModelId, initialVersion }: { initialModelId: string | null; initialVersion: number | null }) {
  const { org } = useOrg();
  const router = useRouter();
  const models = useGqlQuery(DeployModelsQuery, {});
  const modelList = models.data?.registeredModels.edges.map((e) => e.node) ?? [];
  const [modelId, setModelId] = useState<string | null>(initialModelId);
  const model = modelList.find((m) => m.id === modelId) ?? null;
  const versions = useGqlQuery(DeployVersionsQuery, { modelId: modelId ?? '' }, { enabled: !!modelId });
  const versionList = versions.data?.modelVersions.edges.map((e) => e.node) ?? [];
  const [mode, setMode] = useState<'version' | 'alias'>('version');
  const [version, setVersion] = useState<string>(initialVersion ? String(initialVersion) : '');
  const [alias, setAlias] = useState('');
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [samplePercent, setSamplePercent] = useState('10');
  const [rateLimit, setRateLimit] = useState('');
  const errors = useFormErrors();
  const create = useGqlMutation(CreateDeploymentMutation);

  const shownName = nameTouched || !model ? name : suggestName(model.name);
  const currentAliases = model?.aliases.filter((a) => a.version != null) ?? [];
  const chosenVersion = version || (model?.latestVersion != null ? String(model.latestVersion) : '');

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const sample = Number(samplePercent);
    const limit = rateLimit.trim() === '' ? null : Number(rateLimit);
    const ok = errors.check({
      modelName: model ? undefined : 'Choose a model',
      name: !shownName ? 'Name the deployment' : NAME_RE.test(shownName) ? undefined : 'Use lowercase letters, digits and dashes (e.g. churn-prod)',
      version: mode === 'version' && !chosenVersion ? 'Choose a version' : undefined,
      alias: mode === 'alias' && !alias ? 'Choose an alias' : undefined,
      sampleRate: samplePercent.trim() === '' || !Number.isFinite(sample) || sample < 0 || sample > 100 ? 'Between 0 and 100 percent' : undefined,
      rateLimitPerSecond: limit !== null && (!Number.isInteger(limit) || limit < 1) ? 'A whole number of requests per second, at least 1' : undefined,
    });
    if (!ok || !model) return;
    create.mutate(
      {
        input: {
          name: shownName,
          modelId: model.id,
          version: mode === 'version' ? Number(chosenVersion) : null,
          alias: mode === 'alias' ? alias : null,
          sampleRate: sample / 100,
          rateLimitPerSecond: limit,
        },
      },
      {
        onSuccess: (d) => router.push(`/o/${org.slug}/deployments/${d.createDeployment.name}`),
        onError: (err) => errors.fromError(err, ['name', 'modelName', 'version', 'alias', 'sampleRate', 'rateLimitPerSecond', 'autoRollout']),
      },
    );
  }

  const breadcrumb = <Breadcrumb items={[{ label: 'Deployments', href: `/o/${org.slug}/deployments` }, { label: 'Deploy' }]} />;
  if (models.error) {
    return (
      <>
        <PageHeader title="Deploy a model" breadcrumb={breadcrumb} />
        <LoadError error={models.error} onRetry={() => void models.refetch()} />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Deploy a model" breadcrumb={breadcrumb} description="The deployment gets one endpoint; its traffic can later move between versions without callers changing anything." />
      <Card className="max-w-2xl">
        {models.isLoading ? (
          <CardBody className="space-y-4">
            <Skeleton className="h-9" />
            <Skeleton className="h-9" />
            <Skeleton className="h-9" />
          </CardBody>
        ) : modelList.length === 0 ? (
          <EmptyState
            icon={<RocketIcon />}
            title="No registered models"
            description="Register a model version first (a training job can register one, or mlflow.log_model with registered_model_name); then deploy it here."
            action={
              <ButtonLink href={`/o/${org.slug}/models`} variant="secondary">
                Go to models
              </ButtonLink>
            }
          />
        ) : (
          <form onSubmit={submit} noValidate aria-label="Deploy a model">
            <CardHeader title="What to serve" />
            <CardBody className="space-y-5">
              {errors.form && <Banner tone="error">{errors.form}</Banner>}
              <Field label="Model" htmlFor="deploy-model" error={errors.fields.modelName}>
                <Select
                  id="deploy-model"
                  value={modelId ?? ''}
                  invalid={!!errors.fields.modelName}
                  onChange={(e) => {
                    setModelId(e.target.value || null);
                    setVersion('');
                    setAlias('');
                    errors.clearField('modelName');
                  }}
                >
                  <option value="">Choose a model…</option>
                  {modelList.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                    </option>
                  ))}
                </Select>
              </Field>

              <fieldset>
                <legend className="text-sm font-medium text-zinc-800">Serve</legend>
                <div role="radiogroup" className="mt-2 inline-flex rounded-md p-0.5 ring-1 ring-inset ring-zinc-200">
                  {(['version', 'alias'] as const).map((m) => (
                    <button
                      key={m}
                      type="button"
                      role="radio"
                      aria-checked={mode === m}
                      onClick={() => setMode(m)}
                      className={cx('rounded px-3 py-1 text-[13px] font-medium', mode === m ? 'bg-zinc-900 text-white' : 'text-zinc-600 hover:bg-zinc-100')}
                    >
                      {m === 'version' ? 'A version' : 'An alias'}
                    </button>
                  ))}
                </div>
                <div className="mt-3">
                  {mode === 'version' ? (
                    <Field label="Version" htmlFor="deploy-version" error={errors.fields.version} hint="It must be READY and hold a model Gantry can load (ONNX, or an MLflow model).">
                      <Select id="deploy-version" value={chosenVersion} invalid={!!errors.fields.version} disabled={!model} onChange={(e) => (setVersion(e.target.value), errors.clearField('version'))}>
                        {!model && <option value="">Choose a model first</option>}
                        {versionList.map((v) => (
                          <option key={v.id} value={v.version}>
                            v{v.version}
                            {v.status !== 'READY' ? ` (${v.status.toLowerCase().replace('_', ' ')})` : ''}
                            {v.framework ? ` · ${v.framework}` : ''}
                          </option>
                        ))}
                      </Select>
                    </Field>
                  ) : (
                    <Field label="Alias" htmlFor="deploy-alias" error={errors.fields.alias} hint="The deployment serves the version the alias points at, and follows it when it moves.">
                      <Select id="deploy-alias" value={alias} invalid={!!errors.fields.alias} disabled={!model} onChange={(e) => (setAlias(e.target.value), errors.clearField('alias'))}>
                        <option value="">{currentAliases.length ? 'Choose an alias…' : 'This model has no aliases'}</option>
                        {currentAliases.map((a) => (
                          <option key={a.alias} value={a.alias}>
                            @{a.alias} → v{a.version}
                          </option>
                        ))}
                      </Select>
                    </Field>
                  )}
                </div>
              </fieldset>

              <Field label="Deployment name" htmlFor="deploy-name" error={errors.fields.name} hint="The endpoint’s path: /v2/models/<name>/infer. Lowercase letters, digits and dashes.">
                <Input
                  id="deploy-name"
                  value={shownName}
                  invalid={!!errors.fields.name}
                  placeholder="churn-prod"
                  onChange={(e) => {
                    setNameTouched(true);
                    setName(e.target.value);
                    errors.clearField('name');
                  }}
                />
              </Field>
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label="Sample rate" htmlFor="deploy-sample" error={errors.fields.sampleRate} hint="Share of requests whose inputs and outputs are kept for the prediction distribution and drift.">
                  <div className="relative">
                    <Input id="deploy-sample" inputMode="decimal" value={samplePercent} invalid={!!errors.fields.sampleRate} onChange={(e) => (setSamplePercent(e.target.value), errors.clearField('sampleRate'))} className="pr-8" />
                    <span className="pointer-events-none absolute inset-y-0 right-3 flex items-center text-sm text-zinc-400">%</span>
                  </div>
                </Field>
                <Field label="Rate limit" htmlFor="deploy-rate" optional error={errors.fields.rateLimitPerSecond} hint="Requests per second per gateway replica; empty for the platform default.">
                  <div className="relative">
                    <Input id="deploy-rate" inputMode="numeric" value={rateLimit} placeholder="default" invalid={!!errors.fields.rateLimitPerSecond} onChange={(e) => (setRateLimit(e.target.value), errors.clearField('rateLimitPerSecond'))} className="pr-12" />
                    <span className="pointer-events-none absolute inset-y-0 right-3 flex items-center text-sm text-zinc-400">req/s</span>
                  </div>
                </Field>
              </div>
            </CardBody>
            <CardFooter>
              <ButtonLink href={`/o/${org.slug}/deployments`} variant="ghost">
                Cancel
              </ButtonLink>
              <Button type="submit" loading={create.isPending}>
                <RocketIcon className="size-4" /> Deploy
              </Button>
            </CardFooter>
          </form>
        )}
      </Card>
    </>
  );
}
