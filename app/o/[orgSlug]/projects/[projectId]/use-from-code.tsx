'use client';

import Link from 'next/link';
import { useEffect, useState } from 'react';
import { graphql } from '@/app/gql';
import { CopyButton } from '@/app/components/copy-button';
import { CodeIcon, KeyIcon } from '@/app/components/icons';
import { Card, CardBody, CardHeader, Select, Skeleton } from '@/app/components/ui';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';

const ProjectExperimentNamesQuery = graphql(`
  query ProjectExperimentNames($projectId: ID!) {
    experiments(projectId: $projectId, first: 50) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

function CodeBlock({ code, testId }: { code: string; testId: string }) {
  return (
    <pre className="overflow-x-auto rounded-lg bg-zinc-950 p-4 font-mono text-[12.5px] leading-relaxed text-zinc-100" data-testid={testId}>
      {code}
    </pre>
  );
}

/**
 * How code reaches this project: first the mlflow client's three environment variables (the
 * MLflow API is where training code starts), then a GraphQL call for tools. The MLflow API has
 * no notion of projects: a run lands in this project through an experiment of this project,
 * named by MLFLOW_EXPERIMENT_NAME; a name the server does not know yet becomes an experiment in
 * the organization's oldest project, so the variable names one that exists here.
 */
export function UseFromCode({ projectId }: { projectId: string }) {
  const { org } = useOrg();
  const [origin, setOrigin] = useState('');
  useEffect(() => setOrigin(window.location.origin), []);
  const base = origin || 'https://gantry.example.com';
  const q = useGqlQuery(ProjectExperimentNamesQuery, { projectId });
  const experiments = q.data?.experiments.edges.map((e) => e.node) ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const experiment = experiments.find((e) => e.id === chosen) ?? experiments[0];

  const env = [
    `export MLFLOW_TRACKING_URI=${base}`,
    'export MLFLOW_TRACKING_TOKEN=<your API key>',
    `export MLFLOW_EXPERIMENT_NAME=${experiment ? experiment.name : '<an experiment of this project>'}`,
  ].join('\n');
  const curl = [
    `curl -s ${base}/api/graphql \\`,
    '  -H "Authorization: Bearer $GANTRY_API_KEY" \\',
    '  -H "content-type: application/json" \\',
    "  --data @- <<'JSON'",
    '{',
    '  "query": "query ($id: ID!) { project(id: $id) { name } }",',
    `  "variables": { "id": "${projectId}" }`,
    '}',
    'JSON',
  ].join('\n');

  return (
    <Card>
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            <CodeIcon className="size-4 text-zinc-400" /> Use this project from code
          </span>
        }
        description="Point the mlflow client at Gantry: set these, then run your training script as it is."
        actions={<CopyButton value={env} label="Copy" />}
      />
      <CardBody className="space-y-4">
        {q.isLoading ? (
          <Skeleton className="h-20" />
        ) : (
          <>
            {experiments.length > 1 && (
              <div className="flex items-center gap-3 text-sm">
                <label htmlFor="code-experiment" className="text-zinc-500">
                  Log to experiment
                </label>
                <div className="w-64">
                  <Select id="code-experiment" value={experiment?.id} onChange={(e) => setChosen(e.target.value)}>
                    {experiments.map((e) => (
                      <option key={e.id} value={e.id}>
                        {e.name}
                      </option>
                    ))}
                  </Select>
                </div>
              </div>
            )}
            <CodeBlock code={env} testId="mlflow-env" />
            <p className="text-[13px] text-zinc-500">
              {experiment ? (
                <>
                  <code className="font-mono text-[12px]">mlflow.start_run()</code> then logs to <span className="font-medium text-zinc-700">{experiment.name}</span> in this
                  project.
                </>
              ) : (
                <>
                  Create an experiment above first: a name the server does not know yet becomes an experiment in your organization’s oldest project, not necessarily
                  this one.
                </>
              )}
            </p>
          </>
        )}
        <p className="flex items-center gap-2 text-[13px] text-zinc-500">
          <KeyIcon className="size-3.5 shrink-0" />
          <span>
            The token is an API key with the <span className="font-medium text-zinc-700">write</span> scope:{' '}
            <Link href={`/o/${org.slug}/settings/api-keys`} className="font-medium text-brand-600 hover:text-brand-700">
              create one in API keys
            </Link>
            .
          </span>
        </p>
        <div className="border-t border-zinc-100 pt-4">
          <div className="mb-2 flex items-center justify-between gap-3">
            <p className="text-sm font-medium text-zinc-800">Tools: the GraphQL API</p>
            <CopyButton value={curl} label="Copy curl" />
          </div>
          <CodeBlock code={curl} testId="graphql-curl" />
        </div>
      </CardBody>
    </Card>
  );
}
