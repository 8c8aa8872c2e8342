'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { graphql } from '@/app/gql';
import { CubeIcon, FolderIcon, PlusIcon, XIcon } from '@/app/components/icons';
import { AliasChip } from '@/app/components/model-badges';
import { useToast } from '@/app/components/toast';
import {
  Badge,
  Banner,
  Button,
  ButtonLink,
  Card,
  CardBody,
  CardHeader,
  EmptyState,
  Field,
  Input,
  LoadError,
  PageHeader,
  Select,
  Skeleton,
  Table,
  TableSkeleton,
  TBody,
  TD,
  Textarea,
  TH,
  THead,
} from '@/app/components/ui';
import { formatDate, formatRelative } from '@/app/lib/format';
import { useFormErrors } from '@/app/lib/forms';
import { useGqlInfiniteQuery, useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { modelNameProblem } from '@/rules/model-names';

const RegisteredModelsQuery = graphql(`
  query RegisteredModels($search: String, $first: Int, $after: String) {
    registeredModels(search: $search, first: $first, after: $after) {
      edges {
        node {
          id
          name
          description
          latestVersion
          updatedAt
          project {
            id
            name
          }
          aliases {
            alias
            version
            protection {
              minRole
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const ModelProjectsQuery = graphql(`
  query ModelProjects {
    projects(first: 100) {
      edges {
        node {
          id
          name
          team {
            id
            name
          }
        }
      }
    }
  }
`);

const CreateRegisteredModelMutation = graphql(`
  mutation CreateRegisteredModel($input: CreateRegisteredModelInput!) {
    createRegisteredModel(input: $input) {
      id
      name
    }
  }
`);

const PAGE = 25;

/** The value after the user stops typing for `ms`. */
function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

function RegisterModelForm({ onClose }: { onClose: () => void }) {
  const { org } = useOrg();
  const router = useRouter();
  const toast = useToast();
  const errors = useFormErrors();
  const projects = useGqlQuery(ModelProjectsQuery, {});
  const list = projects.data?.projects.edges.map((e) => e.node) ?? [];
  const [name, setName] = useState('');
  const [projectId, setProjectId] = useState('');
  const [description, setDescription] = useState('');
  const create = useGqlMutation(CreateRegisteredModelMutation);
  const project = projectId || list[0]?.id || '';

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (
      !errors.check({
        name: modelNameProblem(name.trim()),
        projectId: project ? undefined : 'Choose a project',
        description: description.length > 5000 ? 'Description must be at most 5000 characters' : undefined,
      })
    )
      return;
    create.mutate(
      { input: { projectId: project, name: name.trim(), description: description.trim() || null } },
      {
        onSuccess: (d) => {
          toast.success('Model registered', `Register versions of ${d.createRegisteredModel.name} from runs or storage URIs.`);
          router.push(`/o/${org.slug}/models/${d.createRegisteredModel.id}`);
        },
        onError: (err) => errors.fromError(err, ['name', 'projectId', 'description']),
      },
    );
  }

  return (
    <Card className="mb-6">
      <CardHeader
        title="Register a model"
        description="A registered model collects the versions of one model; aliases such as @champion name the one to use."
        actions={
          <Button variant="ghost" size="sm" onClick={onClose} aria-label="Close form">
            <XIcon className="size-4" />
          </Button>
        }
      />
      {projects.isLoading ? (
        <CardBody className="space-y-3">
          <Skeleton className="h-9 w-full" />
          <Skeleton className="h-9 w-full" />
        </CardBody>
      ) : projects.error ? (
        <CardBody>
          <LoadError error={projects.error} onRetry={() => void projects.refetch()} />
        </CardBody>
      ) : list.length === 0 ? (
        <EmptyState
          icon={<FolderIcon />}
          title="No projects yet"
          description="Models belong to projects. Create a project in a team first."
          action={<ButtonLink href={`/o/${org.slug}/teams`}>Go to teams</ButtonLink>}
        />
      ) : (
        <form onSubmit={submit} noValidate>
          <CardBody className="grid gap-4 md:grid-cols-2">
            <Field label="Model name" htmlFor="model-name" error={errors.fields.name} hint="Used in URIs: models:/<name>@champion">
              <Input
                id="model-name"
                placeholder="e.g. churn-classifier"
                maxLength={256}
                value={name}
                invalid={!!errors.fields.name}
                onChange={(e) => {
                  setName(e.target.value);
                  errors.clearField('name');
                }}
                autoFocus
              />
            </Field>
            <Field label="Project" htmlFor="model-project" error={errors.fields.projectId}>
              <Select id="model-project" value={project} onChange={(e) => setProjectId(e.target.value)} invalid={!!errors.fields.projectId}>
                {list.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name} · {p.team.name}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Description" htmlFor="model-description" optional error={errors.fields.description} className="md:col-span-2">
              <Textarea id="model-description" rows={2} placeholder="What the model predicts and for whom" value={description} onChange={(e) => setDescription(e.target.value)} />
            </Field>
            {errors.form && (
              <Banner tone="error" className="md:col-span-2">
                {errors.form}
              </Banner>
            )}
            <div className="flex justify-end gap-2 md:col-span-2">
              <Button variant="secondary" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                <PlusIcon className="size-4" /> Register model
              </Button>
            </div>
          </CardBody>
        </form>
      )}
    </Card>
  );
}

/** Every registered model in the organization, searchable by name, paged by the server. */
export function ModelsView() {
  const { org } = useOrg();
  const canWrite = useCan('MODEL_WRITE');
  const [formOpen, setFormOpen] = useState(false);
  const [search, setSearch] = useState('');
  const term = useDebounced(search.trim(), 250);
  const q = useGqlInfiniteQuery(
    RegisteredModelsQuery,
    (after: string | null) => ({ search: term || null, first: PAGE, after }),
    (page) => (page.registeredModels.pageInfo.hasNextPage ? page.registeredModels.pageInfo.endCursor : null),
    { keepPrevious: true },
  );
  const models = q.data?.pages.flatMap((p) => p.registeredModels.edges.map((e) => e.node)) ?? [];
  const more = q.hasNextPage;

  return (
    <>
      <PageHeader
        title="Models"
        description="Registered models and their versions. Aliases name the version to use, e.g. @champion."
        actions={
          canWrite &&
          !formOpen && (
            <Button onClick={() => setFormOpen(true)}>
              <PlusIcon className="size-4" /> Register model
            </Button>
          )
        }
      />
      {formOpen && canWrite && <RegisterModelForm onClose={() => setFormOpen(false)} />}
      {q.error ? (
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      ) : (
        <Card>
          <CardHeader
            title={
              <span className="inline-flex items-center gap-2">
                All models {q.data && <Badge>{more ? `${models.length}+` : models.length}</Badge>}
              </span>
            }
            actions={<Input aria-label="Search models" placeholder="Search by name…" value={search} onChange={(e) => setSearch(e.target.value)} className="h-8 w-56 text-[13px]" />}
          />
          {q.isLoading ? (
            <TableSkeleton rows={4} cols={5} />
          ) : models.length === 0 ? (
            term ? (
              <EmptyState icon={<CubeIcon />} title="No matching models" description={`No model name contains “${term}”.`} />
            ) : (
              <EmptyState
                icon={<CubeIcon />}
                title="No models registered yet"
                description={
                  canWrite === false
                    ? 'Members register models from their runs; you will see them here.'
                    : 'Register one here, or from training code with mlflow.register_model() or log_model(..., registered_model_name=...).'
                }
                action={
                  canWrite &&
                  !formOpen && (
                    <Button onClick={() => setFormOpen(true)}>
                      <PlusIcon className="size-4" /> Register model
                    </Button>
                  )
                }
              />
            )
          ) : (
            <div data-testid="models-table">
              <Table minWidth="min-w-[820px]">
                <THead>
                  <TH>Model</TH>
                  <TH>Project</TH>
                  <TH>Latest</TH>
                  <TH>Aliases</TH>
                  <TH className="text-right">Updated</TH>
                </THead>
                <TBody>
                  {models.map((m) => {
                    const current = m.aliases.filter((a) => a.version != null);
                    return (
                      <tr key={m.id} className="hover:bg-zinc-50/70" data-testid="model-row">
                        <TD className="max-w-sm">
                          <Link href={`/o/${org.slug}/models/${m.id}`} className="group flex items-center gap-3">
                            <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
                              <CubeIcon className="size-4" />
                            </span>
                            <span className="min-w-0">
                              <span className="block truncate font-medium text-zinc-900 group-hover:text-brand-700">{m.name}</span>
                              <span className="block truncate text-[13px] text-zinc-500">{m.description || 'No description'}</span>
                            </span>
                          </Link>
                        </TD>
                        <TD className="whitespace-nowrap">
                          <Link href={`/o/${org.slug}/projects/${m.project.id}`} className="text-zinc-600 hover:text-zinc-900">
                            {m.project.name}
                          </Link>
                        </TD>
                        <TD className="whitespace-nowrap">{m.latestVersion != null ? <Badge>v{m.latestVersion}</Badge> : <span className="text-zinc-400">No versions</span>}</TD>
                        <TD>
                          {current.length === 0 ? (
                            <span className="text-zinc-400">—</span>
                          ) : (
                            <span className="flex flex-wrap gap-1">
                              {current.map((a) => (
                                <AliasChip key={a.alias} alias={a.alias} version={a.version} protectedAlias={!!a.protection} />
                              ))}
                            </span>
                          )}
                        </TD>
                        <TD className="whitespace-nowrap text-right text-zinc-500">
                          <span title={formatDate(m.updatedAt)}>{formatRelative(m.updatedAt)}</span>
                        </TD>
                      </tr>
                    );
                  })}
                </TBody>
              </Table>
              {more && (
                <div className="border-t border-zinc-100 px-5 py-3 text-center">
                  <Button variant="ghost" size="sm" loading={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
                    Show more
                  </Button>
                </div>
              )}
            </div>
          )}
        </Card>
      )}
    </>
  );
}
