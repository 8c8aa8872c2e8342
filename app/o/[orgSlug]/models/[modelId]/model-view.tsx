'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { formatBytes } from '@/app/o/[orgSlug]/runs/[runId]/artifacts-panel';
import { IdWithCopy } from '@/app/components/copy-button';
import { CubeIcon, PlusIcon } from '@/app/components/icons';
import { AliasChip, VersionStatusBadge } from '@/app/components/model-badges';
import { Badge, Breadcrumb, Button, Card, CardBody, CardHeader, EmptyState, IconTile, LoadError, PageHeader, Skeleton, Table, TableSkeleton, TBody, TD, TH, THead } from '@/app/components/ui';
import { formatDate, formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlInfiniteQuery, useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { DescriptionEditor, TagsEditor } from '../editors';
import { creatorText, useMemberNames, useRunNames } from '../registry-hooks';
import { AliasesPanel } from './aliases-panel';
import { RegisterVersionForm } from './register-version-form';
import { AutomationPanels } from './automation-panels';

const RegisteredModelQuery = graphql(`
  query RegisteredModel($id: ID!) {
    registeredModel(id: $id) {
      id
      name
      description
      createdAt
      updatedAt
      latestVersion
      tags {
        key
        value
      }
      project {
        id
        name
        team {
          id
          name
        }
      }
      aliases {
        alias
        version
        versionId
        updatedAt
        protection {
          minRole
          requiresPassingEvaluation
        }
        history {
          id
          action
          fromVersion
          toVersion
          actorUserId
          actorEmail
          actorApiKeyId
          occurredAt
        }
      }
    }
  }
`);

const ModelVersionsQuery = graphql(`
  query ModelVersions($modelId: ID!, $first: Int, $after: String) {
    modelVersions(modelId: $modelId, first: $first, after: $after) {
      edges {
        node {
          id
          version
          status
          statusMessage
          source
          runId
          framework
          sizeBytes
          description
          aliases
          createdAt
          createdByUserId
          createdByApiKeyId
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const UpdateRegisteredModelMutation = graphql(`
  mutation UpdateRegisteredModel($input: UpdateRegisteredModelInput!) {
    updateRegisteredModel(input: $input) {
      id
      description
      tags {
        key
        value
      }
    }
  }
`);

const PAGE = 50;

function Detail({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0 px-5 py-3">
      <dt className="text-xs font-medium text-zinc-500">{label}</dt>
      <dd className="mt-1 truncate text-sm text-zinc-900">{children}</dd>
    </div>
  );
}

export function ModelView({ modelId }: { modelId: string }) {
  const { org } = useOrg();
  const canWrite = useCan('MODEL_WRITE') === true;
  const [registering, setRegistering] = useState(false);
  const q = useGqlQuery(RegisteredModelQuery, { id: modelId });
  const versionsQ = useGqlInfiniteQuery(
    ModelVersionsQuery,
    (after: string | null) => ({ modelId, first: PAGE, after }),
    (page) => (page.modelVersions.pageInfo.hasNextPage ? page.modelVersions.pageInfo.endCursor : null),
  );
  const model = q.data?.registeredModel;
  const versions = versionsQ.data?.pages.flatMap((p) => p.modelVersions.edges.map((e) => e.node)) ?? [];
  const members = useMemberNames();
  const runNames = useRunNames(versions.map((v) => v.runId));
  const protectedAliases = new Set(model?.aliases.filter((a) => a.protection).map((a) => a.alias));

  const updateModel = useGqlMutation(UpdateRegisteredModelMutation);
  const update = (input: { description?: string; setTags?: { key: string; value: string }[]; deleteTagKeys?: string[] }) => updateModel.mutateAsync({ input: { modelId, ...input } });

  const breadcrumb = <Breadcrumb items={[{ label: 'Models', href: `/o/${org.slug}/models` }, { label: model?.name ?? '…' }]} />;

  if (q.error) {
    return (
      <>
        <PageHeader title="Model" breadcrumb={breadcrumb} />
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  }

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          model ? (
            <span className="inline-flex items-center gap-3">
              <IconTile>
                <CubeIcon className="size-5" />
              </IconTile>
              <span data-testid="model-name">{model.name}</span>
            </span>
          ) : (
            <Skeleton className="h-9 w-72" />
          )
        }
        description={
          model ? (
            <IdWithCopy id={model.id} />
          ) : undefined
        }
      />

      <Card className="mb-6">
        {!model ? (
          <div className="grid grid-cols-2 gap-4 p-5 md:grid-cols-4">
            {Array.from({ length: 4 }, (_, i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : (
          <>
            <dl className="grid grid-cols-2 divide-zinc-100 border-b border-zinc-100 md:grid-cols-4 md:divide-x">
              <Detail label="Project">
                <Link href={`/o/${org.slug}/projects/${model.project.id}`} className="hover:text-brand-700">
                  {model.project.name}
                </Link>
                <span className="text-zinc-400"> · {model.project.team.name}</span>
              </Detail>
              <Detail label="Latest version">{model.latestVersion != null ? `v${model.latestVersion}` : <span className="text-zinc-400">None yet</span>}</Detail>
              <Detail label="Created">{formatDateTime(model.createdAt)}</Detail>
              <Detail label="Updated">
                <span title={formatDateTime(model.updatedAt)}>{formatRelative(model.updatedAt)}</span>
              </Detail>
            </dl>
            <CardBody className="grid gap-6 md:grid-cols-2">
              <div>
                <p className="mb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Description</p>
                <DescriptionEditor value={model.description} canEdit={canWrite} label="model description" testId="model-description" save={(description) => update({ description })} />
              </div>
              <div>
                <p className="mb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Tags</p>
                <TagsEditor tags={model.tags} canEdit={canWrite} testId="model-tags" save={(change) => update(change)} />
              </div>
            </CardBody>
          </>
        )}
      </Card>

      <div className="mb-6">
        {model && !versionsQ.isLoading ? (
          <AliasesPanel modelId={model.id} modelName={model.name} aliases={model.aliases} versions={versions} />
        ) : (
          <Card>
            <CardHeader title="Aliases" />
            <TableSkeleton rows={2} cols={3} />
          </Card>
        )}
      </div>

      <Card id="versions">
        <CardHeader
          title={
            <span className="inline-flex items-center gap-2">
              Versions {versionsQ.data && <Badge>{versionsQ.hasNextPage ? `${versions.length}+` : versions.length}</Badge>}
            </span>
          }
          description="Newest first. Each version keeps the run it came from and a copy of that run’s metrics."
          actions={
            canWrite &&
            !registering &&
            model && (
              <Button variant="secondary" size="sm" onClick={() => setRegistering(true)}>
                <PlusIcon className="size-3.5" /> Register version
              </Button>
            )
          }
        />
        {versionsQ.error ? (
          <div className="p-5">
            <LoadError error={versionsQ.error} onRetry={() => void versionsQ.refetch()} />
          </div>
        ) : versionsQ.isLoading ? (
          <TableSkeleton rows={3} cols={6} />
        ) : versions.length === 0 ? (
          !registering && (
            <EmptyState
              icon={<CubeIcon />}
              title="No versions yet"
              description={
                canWrite
                  ? 'Register one from a run’s artifacts or a storage URI, or from training code with mlflow.register_model().'
                  : 'Versions appear here when members register them.'
              }
              action={
                canWrite && (
                  <Button onClick={() => setRegistering(true)}>
                    <PlusIcon className="size-4" /> Register version
                  </Button>
                )
              }
            />
          )
        ) : (
          <div data-testid="versions-table">
            <Table minWidth="min-w-[780px]">
              <THead>
                <TH dense>Version</TH>
                <TH dense>Status</TH>
                <TH dense>Source</TH>
                <TH dense>Framework</TH>
                <TH dense className="text-right">Size</TH>
                <TH dense>Registered</TH>
                <TH dense>Aliases</TH>
              </THead>
              <TBody>
                {versions.map((v) => {
                  const by = creatorText(v, members);
                  return (
                    <tr key={v.id} className="hover:bg-zinc-50/70" data-testid="version-row" data-version={v.version}>
                      <TD dense className="max-w-56">
                        <Link href={`/o/${org.slug}/models/${modelId}/versions/${v.id}`} className="font-semibold text-zinc-900 hover:text-brand-700">
                          Version {v.version}
                        </Link>
                        {v.description && (
                          <p className="truncate text-[13px] text-zinc-500" title={v.description}>
                            {v.description}
                          </p>
                        )}
                      </TD>
                      <TD dense>
                        <VersionStatusBadge status={v.status} message={v.statusMessage} />
                      </TD>
                      <TD dense className="max-w-64">
                        {v.runId ? (
                          <Link href={`/o/${org.slug}/runs/${v.runId}`} className="inline-flex max-w-full items-center gap-1.5 text-zinc-700 hover:text-brand-700" data-testid="version-run-link">
                            <span className="text-zinc-400">Run</span>
                            <span className="truncate font-medium">{runNames.get(v.runId) ?? v.runId}</span>
                          </Link>
                        ) : (
                          <span className="block truncate font-mono text-[12px] text-zinc-500" title={v.source}>
                            {v.source}
                          </span>
                        )}
                      </TD>
                      <TD dense className="whitespace-nowrap">{v.framework ?? <span className="text-zinc-400">—</span>}</TD>
                      <TD dense className="whitespace-nowrap text-right tabular-nums">{v.sizeBytes != null ? formatBytes(v.sizeBytes) : <span className="text-zinc-400">—</span>}</TD>
                      <TD dense className="whitespace-nowrap">
                        <span className="block text-zinc-700" title={by.title}>
                          {by.label}
                        </span>
                        <span className="text-[13px] text-zinc-500" title={formatDateTime(v.createdAt)}>
                          {formatDate(v.createdAt)}
                        </span>
                      </TD>
                      <TD dense>
                        {v.aliases.length === 0 ? (
                          <span className="text-zinc-400">—</span>
                        ) : (
                          <span className="flex flex-wrap gap-1">
                            {v.aliases.map((a) => (
                              <AliasChip key={a} alias={a} protectedAlias={protectedAliases.has(a)} />
                            ))}
                          </span>
                        )}
                      </TD>
                    </tr>
                  );
                })}
              </TBody>
            </Table>
            {versionsQ.hasNextPage && (
              <div className="border-t border-zinc-100 px-5 py-3 text-center">
                <Button variant="ghost" size="sm" loading={versionsQ.isFetchingNextPage} onClick={() => void versionsQ.fetchNextPage()}>
                  Show more
                </Button>
              </div>
            )}
          </div>
        )}
        {registering && model && <RegisterVersionForm modelId={model.id} projectId={model.project.id} onDone={() => setRegistering(false)} />}
      </Card>
      {model && (
        <div className="mt-6 grid gap-6 lg:grid-cols-2">
          <AutomationPanels modelId={model.id} />
        </div>
      )}
    </>
  );
}
