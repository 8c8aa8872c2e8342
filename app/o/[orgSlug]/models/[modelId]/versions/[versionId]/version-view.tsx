'use client';

import Link from 'next/link';
import { graphql } from '@/app/gql';
import { formatBytes } from '@/app/o/[orgSlug]/runs/[runId]/artifacts-panel';
import { CopyButton, IdWithCopy } from '@/app/components/copy-button';
import { ChartIcon, CodeIcon, CubeIcon, LinkIcon, RocketIcon, TagIcon } from '@/app/components/icons';
import { AliasChip, VersionStatusBadge } from '@/app/components/model-badges';
import { Badge, Breadcrumb, ButtonLink, Card, CardBody, CardHeader, EmptyState, LoadError, PageHeader, Skeleton, Table, TBody, TD, TH, THead } from '@/app/components/ui';
import { costsLink } from '@/app/lib/costs';
import { formatDateTime, formatShortDateTime } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { aliasUri, modelUri, parseSignature } from '@/app/lib/registry';
import { formatMetric, toNumber } from '@/app/lib/tracking';
import { useCan } from '@/app/lib/viewer';
import { formatMicros } from '@/rules/money';
import { DescriptionEditor, TagsEditor } from '../../../editors';
import { creatorText, useMemberNames } from '../../../registry-hooks';
import { LineageGraph } from './lineage-graph';
import { EvaluationsPanel } from './evaluations-panel';

const ModelVersionPageQuery = graphql(`
  query ModelVersionPage($id: ID!) {
    modelVersion(id: $id) {
      id
      modelId
      modelName
      version
      source
      storageLocation
      runId
      loggedModelId
      status
      statusMessage
      signatureJson
      framework
      sizeBytes
      description
      stage
      aliases
      createdAt
      updatedAt
      createdByUserId
      createdByApiKeyId
      costMicros
      tags {
        key
        value
      }
      metricsSnapshot {
        key
        value
        step
        timestamp
      }
    }
    lineage(modelVersionId: $id) {
      model {
        id
        name
        aliases {
          alias
          version
          protection {
            minRole
          }
        }
      }
      run {
        id
        name
        status
        params {
          key
          value
        }
        latestMetrics {
          key
          value
        }
        inputs {
          name
          digest
          source
          sourceType
          tags {
            key
            value
          }
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
      job {
        id
        name
        status
      }
      cluster {
        id
        name
      }
      deployments {
        id
      }
    }
  }
`);

const UpdateModelVersionMutation = graphql(`
  mutation UpdateModelVersion($input: UpdateModelVersionInput!) {
    updateModelVersion(input: $input) {
      id
      description
      tags {
        key
        value
      }
    }
  }
`);

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

function UriRow({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2.5">
      <span className="w-32 shrink-0 text-xs font-medium text-zinc-500">{label}</span>
      <code className="min-w-0 flex-1 font-mono text-[12.5px] break-all text-zinc-800" title={hint}>
        {value}
      </code>
      <CopyButton value={value} />
    </div>
  );
}

function Signature({ json }: { json: string | null }) {
  const sections = parseSignature(json);
  if (!sections || sections.length === 0) {
    return <p className="px-5 py-6 text-center text-sm text-zinc-400">No signature recorded. mlflow infers one when log_model() is given an input example.</p>;
  }
  return (
    <div className="space-y-4 px-5 py-4" data-testid="version-signature">
      {sections.map((s) => (
        <div key={s.title}>
          <p className="mb-1.5 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">{s.title}</p>
          {s.columns ? (
            <ul className="divide-y divide-zinc-100 rounded-lg border border-zinc-100">
              {s.columns.map((c, i) => (
                <li key={`${c.name}-${i}`} className="flex items-center justify-between gap-3 px-3 py-1.5 text-[13px]">
                  <span className="truncate font-mono text-zinc-800">{c.name ?? `#${i}`}</span>
                  <span className="shrink-0 text-zinc-500">
                    <Badge>{c.type}</Badge>
                    {c.extra && <span className="ml-1.5 text-[12px]">{c.extra}</span>}
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <pre className="max-h-60 overflow-auto rounded-lg bg-zinc-50 p-3 font-mono text-[12px] text-zinc-700">{s.raw}</pre>
          )}
        </div>
      ))}
    </div>
  );
}

export function VersionView({ modelId, versionId }: { modelId: string; versionId: string }) {
  const { org } = useOrg();
  const canWrite = useCan('MODEL_WRITE') === true;
  const canDeploy = useCan('DEPLOYMENT_WRITE') === true;
  const q = useGqlQuery(ModelVersionPageQuery, { id: versionId });
  const members = useMemberNames();
  const updateVersion = useGqlMutation(UpdateModelVersionMutation);
  const v = q.data?.modelVersion;
  const lineage = q.data?.lineage;
  const base = `/o/${org.slug}/models/${modelId}`;

  const update = (input: { description?: string; setTags?: { key: string; value: string }[]; deleteTagKeys?: string[] }) =>
    updateVersion.mutateAsync({ input: { modelVersionId: versionId, ...input } });

  const breadcrumb = <Breadcrumb items={[{ label: 'Models', href: `/o/${org.slug}/models` }, { label: v?.modelName ?? '…', href: base }, { label: v ? `Version ${v.version}` : '…' }]} />;

  if (q.error) {
    return (
      <>
        <PageHeader title="Model version" breadcrumb={breadcrumb} />
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  }

  const by = v ? creatorText(v, members) : null;
  const protectedAliases = new Set(lineage?.model.aliases.filter((a) => a.protection).map((a) => a.alias));

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          v ? (
            <span className="inline-flex items-center gap-3">
              <span className="flex size-9 items-center justify-center rounded-lg bg-emerald-50 text-emerald-600">
                <CubeIcon className="size-5" />
              </span>
              <span data-testid="version-title">
                {v.modelName} <span className="text-zinc-400">v{v.version}</span>
              </span>
              <VersionStatusBadge status={v.status} message={v.statusMessage} />
            </span>
          ) : (
            <Skeleton className="h-9 w-72" />
          )
        }
        description={
          v ? (
            <IdWithCopy id={v.id} />
          ) : undefined
        }
        actions={
          v && (
            <>
              <ButtonLink href={`${base}#versions`} variant="secondary">
                <CubeIcon className="size-4" /> All versions
              </ButtonLink>
              {canDeploy && v.status === 'READY' && (
                <ButtonLink href={`/o/${org.slug}/deployments/new?model=${v.modelId}&version=${v.version}`}>
                  <RocketIcon className="size-4" /> Deploy
                </ButtonLink>
              )}
            </>
          )
        }
      />

      <Card className="mb-6">
        {!v || !lineage ? (
          <div className="grid grid-cols-2 gap-4 p-5 md:grid-cols-6">
            {Array.from({ length: 6 }, (_, i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : (
          <dl className="grid grid-cols-2 divide-zinc-100 md:grid-cols-6 md:divide-x">
            <Detail label="Registered">
              <span title={formatDateTime(v.createdAt)}>{formatShortDateTime(v.createdAt)}</span>
            </Detail>
            <Detail label="By">
              <span title={by?.title}>{by?.label}</span>
            </Detail>
            <Detail label="Source run" testId="version-source-run">
              {lineage.run ? (
                <Link href={`/o/${org.slug}/runs/${lineage.run.id}`} className="font-medium hover:text-brand-700">
                  {lineage.run.name}
                </Link>
              ) : v.runId ? (
                <span className="text-zinc-400" title={v.runId}>
                  Deleted run
                </span>
              ) : (
                <span className="text-zinc-400">External</span>
              )}
            </Detail>
            <Detail label="Framework">{v.framework ?? <span className="text-zinc-400">—</span>}</Detail>
            <Detail label="Size">{v.sizeBytes != null ? formatBytes(v.sizeBytes) : <span className="text-zinc-400">—</span>}</Detail>
            <Detail
              label="Cost to make"
              testId="version-cost"
              sub={
                v.costMicros !== '0' ? (
                  <Link href={costsLink(org.slug, { modelVersion: v.id }, '90d')} className="hover:text-brand-700" data-testid="version-cost-link">
                    Its jobs in Costs
                  </Link>
                ) : (
                  'no charged jobs'
                )
              }
            >
              <span className="tabular-nums" title="Its training job, its evaluations, and the jobs of the run it came from">
                {formatMicros(v.costMicros)}
              </span>
            </Detail>
          </dl>
        )}
      </Card>

      <Card className="mb-6">
        <CardHeader
          title={
            <span className="inline-flex items-center gap-2">
              <LinkIcon className="size-4 text-zinc-400" /> Lineage
            </span>
          }
          description="What went into this version and where it goes. Open the run for its charts and artifacts."
        />
        <div className="px-5 py-5">
          {v && lineage ? (
            <LineageGraph
              orgSlug={org.slug}
              data={{
                model: lineage.model,
                version: { id: v.id, version: v.version, aliases: v.aliases, framework: v.framework, source: v.source },
                run: lineage.run,
                experiment: lineage.experiment,
                job: lineage.job,
                cluster: lineage.cluster,
                deployments: lineage.deployments,
              }}
            />
          ) : (
            <Skeleton className="h-48" />
          )}
        </div>
      </Card>

      <div className="mb-6 grid items-start gap-6 lg:grid-cols-[1fr_20rem]">
        <Card>
          <CardHeader title="About this version" />
          {v ? (
            <CardBody className="space-y-5">
              <div>
                <p className="mb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Description</p>
                <DescriptionEditor value={v.description} canEdit={canWrite} label="version description" testId="version-description" save={(description) => update({ description })} />
              </div>
              <div>
                <p className="mb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Tags</p>
                <TagsEditor tags={v.tags} canEdit={canWrite} testId="version-tags" save={(change) => update(change)} />
              </div>
              {v.stage !== 'None' && (
                <p className="text-[13px] text-zinc-500">
                  MLflow stage: <Badge>{v.stage}</Badge> <span className="text-zinc-400">(legacy; aliases replace stages)</span>
                </p>
              )}
            </CardBody>
          ) : (
            <Skeleton className="m-5 h-24" />
          )}
        </Card>
        <Card>
          <CardHeader
            title={
              <span className="inline-flex items-center gap-2">
                <TagIcon className="size-4 text-zinc-400" /> Aliases
              </span>
            }
            actions={
              <Link href={`${base}#aliases`} className="text-[13px] font-medium text-brand-700 hover:text-brand-800">
                Manage
              </Link>
            }
          />
          <CardBody>
            {!v ? (
              <Skeleton className="h-8" />
            ) : v.aliases.length === 0 ? (
              <p className="text-sm text-zinc-400">No alias points at this version.</p>
            ) : (
              <ul className="space-y-2" data-testid="version-aliases">
                {v.aliases.map((a) => (
                  <li key={a} className="flex items-center justify-between gap-2">
                    <AliasChip alias={a} protectedAlias={protectedAliases.has(a)} />
                    <code className="truncate font-mono text-[11.5px] text-zinc-400">{aliasUri(v.modelName, a)}</code>
                  </li>
                ))}
              </ul>
            )}
          </CardBody>
        </Card>
      </div>

      <div className="mb-6">
        <EvaluationsPanel modelId={modelId} versionId={versionId} />
      </div>

      <Card className="mb-6">
        <CardHeader title="Where the model is" description="Load it by URI with mlflow.pyfunc.load_model(); an alias URI follows the alias when it moves." />
        {v ? (
          <div className="divide-y divide-zinc-100 px-5 py-1.5" data-testid="version-uris">
            <UriRow label="Model URI" value={modelUri(v.modelName, v.version)} />
            <UriRow label="Source" value={v.source} hint="What was registered" />
            {v.storageLocation !== v.source && <UriRow label="Storage location" value={v.storageLocation} hint="Where the files are" />}
            {v.loggedModelId && <UriRow label="Logged model" value={v.loggedModelId} />}
          </div>
        ) : (
          <Skeleton className="m-5 h-16" />
        )}
      </Card>

      <div className="grid items-start gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader
            title={
              <span className="inline-flex items-center gap-2">
                <ChartIcon className="size-4 text-zinc-400" /> Metrics at registration
              </span>
            }
            description="The run’s latest values when this version was registered."
          />
          {!v ? (
            <Skeleton className="m-5 h-24" />
          ) : v.metricsSnapshot.length === 0 ? (
            <EmptyState title="No metrics" description={v.runId ? 'The run had logged no metrics when this version was registered.' : 'Versions registered from a storage URI carry no run metrics.'} />
          ) : (
            <div className="max-h-96 overflow-y-auto" data-testid="version-metrics">
              <Table minWidth="min-w-0">
                <THead>
                  <TH>Metric</TH>
                  <TH className="text-right">Value</TH>
                  <TH className="text-right">Step</TH>
                </THead>
                <TBody>
                  {v.metricsSnapshot.map((m) => (
                    <tr key={m.key}>
                      <TD className="py-2 font-mono text-[12.5px] text-zinc-600">{m.key}</TD>
                      <TD className="py-2 text-right font-mono text-[12.5px] text-zinc-900 tabular-nums">{formatMetric(toNumber(m.value))}</TD>
                      <TD className="py-2 text-right text-[12.5px] text-zinc-500 tabular-nums">{m.step}</TD>
                    </tr>
                  ))}
                </TBody>
              </Table>
            </div>
          )}
        </Card>
        <Card>
          <CardHeader
            title={
              <span className="inline-flex items-center gap-2">
                <CodeIcon className="size-4 text-zinc-400" /> Signature
              </span>
            }
            description="The inputs and outputs the model expects."
          />
          {v ? <Signature json={v.signatureJson} /> : <Skeleton className="m-5 h-24" />}
        </Card>
      </div>
    </>
  );
}
