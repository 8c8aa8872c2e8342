'use client';

import { useState } from 'react';
import { graphql } from '@/app/gql';
import { CopyButton } from '@/app/components/copy-button';
import { useConfirm } from '@/app/components/confirm';
import { AlertIcon, LinkIcon } from '@/app/components/icons';
import { Badge, Button, Card, CardBody, CardHeader, EmptyState, Field, Input, LoadError, PageHeader, Table, TableSkeleton, TBody, TD, TH, THead } from '@/app/components/ui';
import { formatRelative } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useCan } from '@/app/lib/viewer';
import { ApiErrorBanner } from '../../models/editors';

const Endpoints = graphql(`
  query WebhookEndpoints {
    webhookEndpoints {
      id
      url
      description
      enabled
      createdAt
    }
  }
`);
const Deliveries = graphql(`
  query WebhookDeliveries($endpointId: ID!) {
    webhookDeliveries(endpointId: $endpointId) {
      id
      eventType
      status
      attempts
      lastStatusCode
      lastError
      lastAttemptAt
      createdAt
    }
  }
`);
const Create = graphql(`
  mutation CreateWebhookEndpoint($url: String!, $description: String) {
    createWebhookEndpoint(url: $url, description: $description) {
      endpoint {
        id
      }
      secret
    }
  }
`);
const Delete = graphql(`
  mutation DeleteWebhookEndpoint($endpointId: ID!) {
    deleteWebhookEndpoint(endpointId: $endpointId)
  }
`);

const TONE = { delivered: 'green', failed: 'red', pending: 'amber' } as const;

function DeliveryLog({ endpointId }: { endpointId: string }) {
  const { data, error } = useGqlQuery(Deliveries, { endpointId }, { refetchInterval: 15_000 });
  if (error) return <LoadError error={error} />;
  if (!data) return <TableSkeleton rows={2} cols={4} />;
  if (!data.webhookDeliveries.length) return <p className="px-5 py-3 text-[13px] text-zinc-500">No messages yet.</p>;
  return (
    <Table>
      <THead>
        <TH>Message (webhook-id)</TH>
        <TH>Event</TH>
        <TH>Status</TH>
        <TH>Attempts</TH>
        <TH>Last answer</TH>
      </THead>
      <TBody>
        {data.webhookDeliveries.map((d) => (
          <tr key={d.id} data-testid="webhook-delivery">
            <TD dense className="font-mono text-xs">
              {d.id}
            </TD>
            <TD dense className="text-[13px]">
              {d.eventType}
            </TD>
            <TD dense>
              <Badge tone={TONE[d.status as keyof typeof TONE] ?? 'neutral'}>{d.status}</Badge>
            </TD>
            <TD dense className="text-[13px] tabular-nums">
              {d.attempts}
            </TD>
            <TD dense className="text-[13px] text-zinc-600">
              {d.lastStatusCode ?? d.lastError ?? '—'} {d.lastAttemptAt && <span className="text-zinc-400">· {formatRelative(d.lastAttemptAt)}</span>}
            </TD>
          </tr>
        ))}
      </TBody>
    </Table>
  );
}

/** The organization's outbound webhooks for alerts: Standard Webhooks signatures, a secret shown once, each endpoint's delivery log. */
export function WebhooksView() {
  const canManage = useCan('ORG_UPDATE') ?? false;
  const { data, error, isLoading, refetch } = useGqlQuery(Endpoints, {});
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const create = useGqlMutation(Create, {
    onSuccess: (r, v) => {
      setCreated({ url: v.url, secret: r.createWebhookEndpoint.secret });
      setUrl('');
      setDescription('');
    },
  });
  const remove = useGqlMutation(Delete);
  const confirm = useConfirm();
  return (
    <>
      <PageHeader
        title="Webhooks"
        description={
          <>
            Alerts from deployments are POSTed as JSON to each endpoint, signed by the Standard Webhooks scheme (<code className="font-mono text-[13px]">webhook-id</code>,{' '}
            <code className="font-mono text-[13px]">webhook-timestamp</code>, <code className="font-mono text-[13px]">webhook-signature</code>); failed deliveries are retried with back-off.
          </>
        }
      />
      {created && (
        <div className="mb-6 rounded-xl border border-amber-300 bg-amber-50 p-5 shadow-xs" data-testid="webhook-secret-box">
          <div className="flex items-start gap-3">
            <AlertIcon className="mt-0.5 size-5 shrink-0 text-amber-600" />
            <div className="min-w-0 flex-1">
              <p className="font-semibold text-amber-950">Copy the signing secret for {created.url} now</p>
              <p className="mt-0.5 text-sm text-amber-900">This is the only time it is shown. Your receiver verifies each message with it; if you lose it, delete the endpoint and add it again.</p>
              <div className="mt-3 flex flex-col gap-2 sm:flex-row">
                <code data-testid="webhook-secret" className="block min-w-0 flex-1 overflow-x-auto whitespace-nowrap rounded-md bg-white px-3 py-2 font-mono text-[13px] text-zinc-900 ring-1 ring-amber-300 select-all">
                  {created.secret}
                </code>
                <CopyButton value={created.secret} label="Copy secret" size="md" />
              </div>
              <div className="mt-3 flex justify-end">
                <Button variant="ghost" size="sm" onClick={() => setCreated(null)}>
                  I have stored it safely
                </Button>
              </div>
            </div>
          </div>
        </div>
      )}
      {canManage && (
        <Card className="mb-6">
          <CardHeader title="Add an endpoint" />
          <CardBody>
            <form
              className="grid gap-4 sm:grid-cols-[2fr_1fr_auto] sm:items-end"
              onSubmit={(e) => {
                e.preventDefault();
                create.mutate({ url: url.trim(), description: description.trim() || null });
              }}
            >
              <Field label="URL" htmlFor="webhook-url">
                <Input id="webhook-url" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/gantry" />
              </Field>
              <Field label="Description" htmlFor="webhook-description" optional>
                <Input id="webhook-description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="On-call pager" />
              </Field>
              <Button type="submit" loading={create.isPending}>
                Add endpoint
              </Button>
            </form>
            {create.error && <ApiErrorBanner error={create.error} className="mt-4" />}
          </CardBody>
        </Card>
      )}
      {error ? (
        <LoadError error={error} onRetry={() => void refetch()} />
      ) : isLoading || !data ? (
        <TableSkeleton rows={2} cols={3} />
      ) : data.webhookEndpoints.length === 0 ? (
        <Card>
          <EmptyState icon={<LinkIcon />} title="No webhooks" description="Add an endpoint to receive alerts in your own tools." />
        </Card>
      ) : (
        data.webhookEndpoints.map((e) => (
          <Card key={e.id} className="mb-4">
            <CardHeader
              title={<span className="font-mono text-sm">{e.url}</span>}
              description={`${e.description ? `${e.description} · ` : ''}added ${formatRelative(e.createdAt)}`}
              actions={
                canManage ? (
                  <Button
                    size="sm"
                    variant="danger-ghost"
                    onClick={async () => {
                      if (await confirm({ title: 'Delete this endpoint?', body: 'No further alerts are sent to it; its delivery log is kept.', confirmLabel: 'Delete', danger: true })) remove.mutate({ endpointId: e.id });
                    }}
                  >
                    Delete
                  </Button>
                ) : undefined
              }
            />
            <DeliveryLog endpointId={e.id} />
          </Card>
        ))
      )}
    </>
  );
}
