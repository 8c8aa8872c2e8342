'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { FlaskIcon, PlusIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import { Badge, Banner, Button, Card, CardHeader, EmptyState, Field, Input, LoadError, Table, TableSkeleton, TBody, TD, TH, THead } from '@/app/components/ui';
import { formatDate, formatRelative } from '@/app/lib/format';
import { useFormErrors, validateName } from '@/app/lib/forms';
import { useGqlInfiniteQuery, useGqlMutation } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';

const ProjectExperimentsQuery = graphql(`
  query ProjectExperiments($projectId: ID!, $first: Int, $after: String) {
    experiments(projectId: $projectId, first: $first, after: $after) {
      edges {
        node {
          id
          name
          isDefault
          createdAt
          updatedAt
          tags {
            key
            value
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

const CreateExperimentMutation = graphql(`
  mutation CreateExperiment($input: CreateExperimentInput!) {
    createExperiment(input: $input) {
      id
      name
    }
  }
`);

function CreateExperimentForm({ projectId }: { projectId: string }) {
  const toast = useToast();
  const errors = useFormErrors();
  const [name, setName] = useState('');
  const create = useGqlMutation(CreateExperimentMutation);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ name: validateName(name, 'Experiment name', 500) })) return;
    create.mutate(
      { input: { projectId, name: name.trim() } },
      {
        onSuccess: (d) => {
          toast.success('Experiment created', `Log runs to ${d.createExperiment.name} with the mlflow client or the API.`);
          setName('');
        },
        onError: (err) => errors.fromError(err, ['name']),
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="border-t border-zinc-100 bg-zinc-50/60 px-5 py-4">
      <div className="flex flex-wrap items-start gap-3">
        <Field label="Experiment name" htmlFor="experiment-name" error={errors.fields.name} className="min-w-56 flex-1">
          <Input
            id="experiment-name"
            placeholder="e.g. churn-xgboost"
            maxLength={500}
            value={name}
            invalid={!!errors.fields.name}
            onChange={(e) => {
              setName(e.target.value);
              errors.clearField('name');
            }}
          />
        </Field>
        <Button type="submit" loading={create.isPending} className="mt-[1.625rem]">
          <PlusIcon className="size-4" /> Create experiment
        </Button>
      </div>
      {errors.form && <Banner tone="error" className="mt-3">{errors.form}</Banner>}
    </form>
  );
}

/** The project's experiments, newest activity first as the server orders them, with a create form. */
export function ExperimentsSection({ projectId }: { projectId: string }) {
  const { org } = useOrg();
  const canWrite = useCan('EXPERIMENT_WRITE');
  const q = useGqlInfiniteQuery(
    ProjectExperimentsQuery,
    (after: string | null) => ({ projectId, first: 50, after }),
    (page) => (page.experiments.pageInfo.hasNextPage ? page.experiments.pageInfo.endCursor : null),
  );
  const experiments = q.data?.pages.flatMap((p) => p.experiments.edges.map((e) => e.node)) ?? [];

  return (
    <Card id="experiments">
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            <FlaskIcon className="size-4 text-zinc-400" /> Experiments
          </span>
        }
        description="Each experiment groups the runs of one line of work: their params, metrics and artifacts."
      />
      {q.error ? (
        <div className="p-5">
          <LoadError error={q.error} onRetry={() => void q.refetch()} />
        </div>
      ) : q.isLoading ? (
        <TableSkeleton rows={3} cols={3} />
      ) : experiments.length === 0 ? (
        <EmptyState
          icon={<FlaskIcon />}
          title="No experiments yet"
          description={canWrite === false ? 'Members of the project’s team can create one.' : 'Create one below, or let the mlflow client create it with mlflow.set_experiment().'}
        />
      ) : (
        <div data-testid="project-experiments">
          <Table minWidth="min-w-[520px]">
            <THead>
              <TH>Name</TH>
              <TH>Tags</TH>
              <TH className="text-right">Created</TH>
            </THead>
            <TBody>
              {experiments.map((e) => (
                <tr key={e.id} className="hover:bg-zinc-50/70">
                  <TD>
                    <Link href={`/o/${org.slug}/experiments/${e.id}`} className="inline-flex items-center gap-2 font-medium text-zinc-900 hover:text-brand-600">
                      {e.name}
                      {e.isDefault && <Badge>Default</Badge>}
                    </Link>
                  </TD>
                  <TD className="text-zinc-500">
                    {e.tags.filter((t) => !t.key.startsWith('mlflow.')).length === 0 ? (
                      '—'
                    ) : (
                      <span className="flex flex-wrap gap-1">
                        {e.tags
                          .filter((t) => !t.key.startsWith('mlflow.'))
                          .slice(0, 4)
                          .map((t) => (
                            <Badge key={t.key}>
                              {t.key}={t.value}
                            </Badge>
                          ))}
                      </span>
                    )}
                  </TD>
                  <TD className="whitespace-nowrap text-right text-zinc-500">
                    <span title={formatDate(e.createdAt)}>{formatRelative(e.createdAt)}</span>
                  </TD>
                </tr>
              ))}
            </TBody>
          </Table>
          {q.hasNextPage && (
            <div className="border-t border-zinc-100 px-5 py-3 text-center">
              <Button variant="ghost" size="sm" loading={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
                Show more
              </Button>
            </div>
          )}
        </div>
      )}
      {canWrite !== false && <CreateExperimentForm projectId={projectId} />}
    </Card>
  );
}
