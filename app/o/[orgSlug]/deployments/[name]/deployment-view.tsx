'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import { CopyButton, IdWithCopy } from '@/app/components/copy-button';
import { KeyIcon, PencilIcon, RocketIcon } from '@/app/components/icons';
import { Badge, Breadcrumb, Button, ButtonLink, Card, CardBody, CardHeader, LoadError, PageHeader, Skeleton } from '@/app/components/ui';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { TrafficBar, trafficState } from '../traffic-bar';
import { CostsPanel } from './costs-panel';
import { Dashboard } from './dashboard';
import { DeploymentTabs } from './deployment-tabs';
import { RolloutPanel } from './rollout-panel';
import { TrafficEditor, TrafficVersionsQuery } from './traffic-editor';

const DeploymentPageQuery = graphql(`
  query DeploymentPage($name: String!) {
    deployment(name: $name) {
      id
      name
      description
      modelId
      modelName
      followAlias
      autoRollout
      sampleRate
      rateLimitPerSecond
      trafficGeneration
      replicas
      status
      statusMessage
      createdAt
      cluster {
        name
      }
      traffic {
        arms {
          versionNumber
          weight
          role
          version {
            id
          }
        }
        sticky {
          source
          name
        }
        shadows {
          versionNumber
          version {
            id
          }
        }
      }
      endpoint {
        oipUrl
        mlflowUrl
        oipCurl
        mlflowCurl
        inputNames
      }
    }
  }
`);

function CodeBlock({ title, code, testId }: { title: string; code: string; testId: string }) {
  return (
    <div>
      <div className="mb-1.5 flex items-center justify-between">
        <h3 className="text-[13px] font-medium text-zinc-700">{title}</h3>
        <CopyButton value={code} label="Copy" />
      </div>
      <pre data-testid={testId} className="overflow-x-auto rounded-lg bg-zinc-950 px-4 py-3 font-mono text-[12px] leading-relaxed text-zinc-100">
        {code}
      </pre>
    </div>
  );
}

/** One deployment: its endpoint and how to call it, its traffic and an editor for it, its canary rollouts, and the live dashboard. */
export function DeploymentView({ name }: { name: string }) {
  const { org } = useOrg();
  const canWrite = useCan('DEPLOYMENT_WRITE');
  // While its model servers start (or new resources are applied), the page follows them.
  const q = useGqlQuery(DeploymentPageQuery, { name }, { refetchInterval: (data) => (data?.deployment.status === 'provisioning' || data?.deployment.statusMessage ? 3_000 : false) });
  const [editing, setEditing] = useState(false);
  const d = q.data?.deployment;
  const versionsQ = useGqlQuery(TrafficVersionsQuery, { modelId: d?.modelId ?? '' }, { enabled: !!d });
  // A canary of anything but the version that already takes the stable share.
  const stable = d?.traffic.arms.find((a) => a.role === 'stable')?.versionNumber;
  const canaryVersions = (versionsQ.data?.modelVersions.edges.map((e) => e.node) ?? [])
    .filter((v) => v.status === 'READY' && v.version !== stable)
    .map((v) => v.version)
    .sort((a, b) => a - b);
  const breadcrumb = <Breadcrumb items={[{ label: 'Deployments', href: `/o/${org.slug}/deployments` }, { label: name }]} />;

  if (q.error) {
    return (
      <>
        <PageHeader title={name} breadcrumb={breadcrumb} />
        <LoadError error={q.error} onRetry={() => void q.refetch()} />
      </>
    );
  }
  const state = d ? trafficState(d.traffic.arms, d.status) : null;
  const keysHref = `/o/${org.slug}/settings/api-keys`;
  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title={
          <span className="inline-flex items-center gap-3">
            <span className="flex size-9 items-center justify-center rounded-lg bg-brand-50 text-brand-600">
              <RocketIcon className="size-5" />
            </span>
            <span data-testid="deployment-title">{name}</span>
            {state && <Badge tone={state.tone}>{state.label}</Badge>}
          </span>
        }
        description={
          d ? (
            <span className="inline-flex flex-wrap items-center gap-x-3 gap-y-1">
              <span>
                Serves{' '}
                <Link href={`/o/${org.slug}/models/${d.modelId}`} className="font-medium text-zinc-700 hover:underline">
                  {d.modelName}
                </Link>
                {d.followAlias && <span className="text-zinc-500"> following @{d.followAlias}</span>} on {d.cluster.name}
              </span>
              <IdWithCopy id={d.id} />
              {d.statusMessage && (
                <span className={`basis-full text-sm ${d.status === 'failed' ? 'text-red-700' : 'text-amber-800'}`} data-testid="deployment-status-message">
                  {d.statusMessage}
                </span>
              )}
            </span>
          ) : undefined
        }
      />
      <DeploymentTabs name={name} />

      <div className="grid gap-6 xl:grid-cols-5">
        <Card className="xl:col-span-3">
          <CardHeader
            title="Endpoint"
            description={
              <>
                Call it with an API key that has the <span className="font-medium text-zinc-700">inference</span> scope, as <code className="font-mono text-[12px]">$GANTRY_API_KEY</code>.
              </>
            }
            actions={
              <ButtonLink href={keysHref} variant="secondary" size="sm">
                <KeyIcon className="size-3.5" /> Create an inference key
              </ButtonLink>
            }
          />
          <CardBody className="space-y-4">
            {!d ? (
              <Skeleton className="h-40" />
            ) : (
              <>
                <dl className="grid gap-2 text-[13px] sm:grid-cols-[auto_1fr] sm:gap-x-4">
                  <dt className="text-zinc-500">Open Inference Protocol</dt>
                  <dd className="font-mono break-all text-zinc-800" data-testid="oip-url">
                    POST {d.endpoint.oipUrl}
                  </dd>
                  <dt className="text-zinc-500">MLflow scoring</dt>
                  <dd className="font-mono break-all text-zinc-800">POST {d.endpoint.mlflowUrl}</dd>
                  <dt className="text-zinc-500">Inputs</dt>
                  <dd className="text-zinc-800">{d.endpoint.inputNames.length ? d.endpoint.inputNames.join(', ') : 'The version recorded no signature: replace input-0 with your model’s input.'}</dd>
                </dl>
                <CodeBlock title="OIP v2 (KServe, Triton, MLServer clients)" code={d.endpoint.oipCurl} testId="oip-curl" />
                <CodeBlock title="MLflow scoring shape" code={d.endpoint.mlflowCurl} testId="mlflow-curl" />
              </>
            )}
          </CardBody>
        </Card>

        <Card className="xl:col-span-2">
          <CardHeader
            title="Traffic"
            description={d ? `Policy generation ${d.trafficGeneration}` : undefined}
            actions={
              canWrite &&
              d &&
              !editing && (
                <Button variant="secondary" size="sm" onClick={() => setEditing(true)}>
                  <PencilIcon className="size-3.5" /> Edit traffic
                </Button>
              )
            }
          />
          <CardBody>
            {!d ? (
              <Skeleton className="h-16" />
            ) : editing ? (
              <TrafficEditor deploymentId={d.id} modelId={d.modelId} traffic={d.traffic} onDone={() => setEditing(false)} />
            ) : (
              <div className="space-y-4">
                <TrafficBar arms={d.traffic.arms} shadows={d.traffic.shadows} />
                <dl className="grid grid-cols-2 gap-3 text-[13px]">
                  <div>
                    <dt className="text-zinc-500">Sticky key</dt>
                    <dd className="text-zinc-800">{d.traffic.sticky ? `${d.traffic.sticky.source} ${d.traffic.sticky.name}` : 'None (each request drawn anew)'}</dd>
                  </div>
                  <div>
                    <dt className="text-zinc-500">Samples kept</dt>
                    <dd className="text-zinc-800">{Math.round(d.sampleRate * 1000) / 10}% of requests</dd>
                  </div>
                  <div>
                    <dt className="text-zinc-500">Rate limit</dt>
                    <dd className="text-zinc-800">{d.rateLimitPerSecond ? `${d.rateLimitPerSecond} req/s per replica` : 'Platform default'}</dd>
                  </div>
                  <div>
                    <dt className="text-zinc-500">Automatic rollouts</dt>
                    <dd className="text-zinc-800">{d.autoRollout ? `On (follows @${d.followAlias})` : 'Off'}</dd>
                  </div>
                </dl>
              </div>
            )}
          </CardBody>
        </Card>
      </div>

      {d && (
        <div className="mt-6">
          {/* A rollout moves the traffic above: the bar follows each of its steps. */}
          <RolloutPanel deploymentId={d.id} versions={versionsQ.data ? canaryVersions : undefined} onTrafficChange={() => void q.refetch()} />
        </div>
      )}

      {d && <Dashboard name={d.name} oipCurl={d.endpoint.oipCurl} keysHref={keysHref} />}
      {d && <CostsPanel name={d.name} />}
    </>
  );
}
