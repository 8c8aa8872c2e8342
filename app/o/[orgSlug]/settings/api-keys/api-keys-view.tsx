'use client';

import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { ApiKeyScope, ApiKeyStatus } from '@/app/gql/graphql';
import { AuditLink } from '@/app/components/audit-link';
import { useConfirm } from '@/app/components/confirm';
import { CopyButton } from '@/app/components/copy-button';
import { AlertIcon, KeyIcon, PlusIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import {
  Badge,
  Banner,
  Button,
  Card,
  CardBody,
  CardFooter,
  CardHeader,
  EmptyState,
  Field,
  Input,
  LoadError,
  Mono,
  PageHeader,
  Select,
  TBody,
  TD,
  TH,
  THead,
  Table,
  TableSkeleton,
  cx,
} from '@/app/components/ui';
import { formatDate, formatRelative } from '@/app/lib/format';
import { useFormErrors, validateName } from '@/app/lib/forms';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useViewer } from '@/app/lib/viewer';

const ApiKeysQuery = graphql(`
  query ApiKeys {
    apiKeys(first: 100) {
      edges {
        node {
          id
          name
          prefix
          scopes
          status
          createdAt
          expiresAt
          lastUsedAt
          revokedAt
          ownerEmail
        }
      }
    }
  }
`);

const CreateApiKey = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      secret
      apiKey {
        id
        name
        prefix
        expiresAt
      }
    }
  }
`);

const RevokeApiKey = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      status
    }
  }
`);

const SCOPES: { value: ApiKeyScope; label: string; help: string }[] = [
  { value: 'read', label: 'Read', help: 'Read everything your role can read' },
  { value: 'write', label: 'Write', help: 'Read, plus what training code does: log runs, register models, submit jobs, run evaluations, edit projects' },
  { value: 'admin', label: 'Admin', help: 'Everything your role allows, including members, keys and protected aliases' },
  { value: 'inference', label: 'Inference', help: 'Call deployments on the inference gateway, nothing else' },
];

const EXPIRY = [
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'never', label: 'Never expires' },
];

const STATUS_TONE: Record<ApiKeyStatus, 'green' | 'neutral' | 'red'> = { ACTIVE: 'green', EXPIRED: 'neutral', REVOKED: 'red' };

function SecretBox({ secret, name, onDone }: { secret: string; name: string; onDone: () => void }) {
  return (
    <div className="rounded-xl border border-amber-300 bg-amber-50 p-5 shadow-xs" data-testid="api-key-secret-box">
      <div className="flex items-start gap-3">
        <AlertIcon className="mt-0.5 size-5 shrink-0 text-amber-600" />
        <div className="min-w-0 flex-1">
          <p className="font-semibold text-amber-950">Copy your new key “{name}” now</p>
          <p className="mt-0.5 text-sm text-amber-900">This is the only time the full key is shown. Gantry stores only a hash; if you lose it, revoke it and create another.</p>
          <div className="mt-3 flex flex-col gap-2 sm:flex-row">
            <code
              data-testid="api-key-secret"
              className="block min-w-0 flex-1 overflow-x-auto whitespace-nowrap rounded-md bg-white px-3 py-2 font-mono text-[13px] text-zinc-900 ring-1 ring-amber-300 select-all"
            >
              {secret}
            </code>
            <CopyButton value={secret} label="Copy key" size="md" />
          </div>
          <div className="mt-3 flex justify-end">
            <Button variant="ghost" size="sm" onClick={onDone}>
              I have stored it safely
            </Button>
          </div>
        </div>
      </div>
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (secret: string, name: string) => void }) {
  const errors = useFormErrors();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['read']);
  const [expiry, setExpiry] = useState('90');
  const create = useGqlMutation(CreateApiKey);

  function toggle(scope: ApiKeyScope) {
    setScopes((s) => (s.includes(scope) ? s.filter((x) => x !== scope) : [...s, scope]));
    errors.clearField('scopes');
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ name: validateName(name, 'Key name', 80), scopes: scopes.length ? undefined : 'Choose at least one scope' })) return;
    create.mutate(
      { input: { name: name.trim(), scopes, expiresInDays: expiry === 'never' ? null : Number(expiry) } },
      {
        onSuccess: (d) => {
          onCreated(d.createApiKey.secret, d.createApiKey.apiKey.name);
          setName('');
          setScopes(['read']);
          setExpiry('90');
        },
        onError: (err) => errors.fromError(err, ['name', 'scopes', 'expiresInDays']),
      },
    );
  }

  return (
    <Card id="create-key">
      <CardHeader title="Create an API key" description="Keys act as you, limited by their scopes and your role." />
      <form onSubmit={submit} noValidate>
        <CardBody className="space-y-5">
          <div className="grid gap-4 sm:grid-cols-[1fr_14rem]">
            <Field label="Name" htmlFor="key-name" hint="Where the key is used, e.g. “CI pipeline”." error={errors.fields.name}>
              <Input
                id="key-name"
                placeholder="e.g. Training cluster"
                maxLength={80}
                value={name}
                invalid={!!errors.fields.name}
                onChange={(e) => {
                  setName(e.target.value);
                  errors.clearField('name');
                }}
              />
            </Field>
            <Field label="Expiration" htmlFor="key-expiry" error={errors.fields.expiresInDays}>
              <Select id="key-expiry" value={expiry} onChange={(e) => setExpiry(e.target.value)}>
                {EXPIRY.map((x) => (
                  <option key={x.value} value={x.value}>
                    {x.label}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
          <fieldset>
            <legend className="text-sm font-medium text-zinc-800">Scopes</legend>
            <div className="mt-2 grid gap-2 sm:grid-cols-2 lg:grid-cols-4">
              {SCOPES.map((s) => (
                <label
                  key={s.value}
                  className={cx(
                    'flex cursor-pointer items-start gap-3 rounded-lg border px-3 py-2.5 transition-colors',
                    scopes.includes(s.value) ? 'border-brand-500/60 bg-brand-50/50' : 'border-zinc-200 hover:bg-zinc-50',
                  )}
                >
                  <input
                    type="checkbox"
                    name="scopes"
                    value={s.value}
                    checked={scopes.includes(s.value)}
                    onChange={() => toggle(s.value)}
                    className="mt-0.5 size-4 rounded border-zinc-300 accent-zinc-900"
                  />
                  <span>
                    <span className="block text-sm font-medium text-zinc-900">{s.label}</span>
                    <span className="block text-[13px] text-zinc-500">{s.help}</span>
                  </span>
                </label>
              ))}
            </div>
            {errors.fields.scopes && (
              <p role="alert" className="mt-1.5 text-[13px] text-red-600">
                {errors.fields.scopes}
              </p>
            )}
          </fieldset>
          {expiry === 'never' && <Banner tone="warning">Keys that never expire are convenient and risky. Prefer an expiry and rotate.</Banner>}
          {errors.form && <Banner tone="error">{errors.form}</Banner>}
        </CardBody>
        <CardFooter>
          <Button type="submit" loading={create.isPending}>
            <PlusIcon className="size-4" /> Create key
          </Button>
        </CardFooter>
      </form>
    </Card>
  );
}

export function ApiKeysView() {
  const { org } = useOrg();
  const toast = useToast();
  const confirm = useConfirm();
  const viewer = useViewer();
  const isAdmin = viewer.data?.viewer.permissions.includes('APIKEY_REVOKE_ANY') ?? false;
  const canCreate = viewer.data?.viewer.permissions.includes('APIKEY_CREATE') ?? false;
  const me = viewer.data?.viewer.user.email;
  const { data, isLoading, error, refetch } = useGqlQuery(ApiKeysQuery, {});
  const revoke = useGqlMutation(RevokeApiKey);
  const [created, setCreated] = useState<{ secret: string; name: string } | null>(null);
  const keys = data?.apiKeys.edges.map((e) => e.node) ?? [];

  async function onRevoke(id: string, name: string, prefix: string) {
    const ok = await confirm({
      title: `Revoke “${name}”?`,
      body: (
        <>
          Anything using the key <Mono>{prefix}…</Mono> stops working immediately. This cannot be undone.
        </>
      ),
      confirmLabel: 'Revoke key',
      danger: true,
    });
    if (!ok) return;
    revoke.mutate({ id }, { onSuccess: () => toast.success('Key revoked', `${name} no longer works.`), onError: (e) => toast.error('Could not revoke the key', e.message) });
  }

  return (
    <>
      <PageHeader
        title="API keys"
        description={
          isAdmin ? `Keys for tools and training code in ${org.name}. As an admin you see everyone's keys.` : `Your keys for tools and training code in ${org.name}.`
        }
        actions={
          canCreate && (
            <Button
              variant="secondary"
              onClick={() => {
                document.getElementById('create-key')?.scrollIntoView({ behavior: 'smooth' });
                document.getElementById('key-name')?.focus({ preventScroll: true });
              }}
            >
              <PlusIcon className="size-4" /> New key
            </Button>
          )
        }
      />
      {created && (
        <div className="mb-6">
          <SecretBox secret={created.secret} name={created.name} onDone={() => setCreated(null)} />
        </div>
      )}
      <div className="space-y-6">
        <Card className="min-w-0">
          <CardHeader title={<span className="inline-flex items-center gap-2">Keys {data && <Badge>{keys.length}</Badge>}</span>} description="Send as Authorization: Bearer <key>" />
          {isLoading ? (
            <TableSkeleton rows={3} cols={5} />
          ) : error ? (
            <CardBody>
              <LoadError error={error} onRetry={() => void refetch()} />
            </CardBody>
          ) : keys.length === 0 ? (
            <EmptyState icon={<KeyIcon />} title="No API keys yet" description="Create a key to call the GraphQL API from scripts, notebooks and training jobs." />
          ) : (
            <Table minWidth="min-w-[760px]">
              <THead>
                <TH>Key</TH>
                <TH>Scopes</TH>
                <TH>Status</TH>
                <TH>Created</TH>
                <TH>Expires</TH>
                <TH>Last used</TH>
                <TH className="text-right">
                  <span className="sr-only">Actions</span>
                </TH>
              </THead>
              <TBody>
                {keys.map((k) => {
                  const mine = k.ownerEmail === me;
                  return (
                    <tr key={k.id} data-testid="api-key-row" data-key-name={k.name} className={k.status !== 'ACTIVE' ? 'bg-zinc-50/60' : undefined}>
                      <TD>
                        <p className={cx('font-medium', k.status === 'ACTIVE' ? 'text-zinc-900' : 'text-zinc-500')}>{k.name}</p>
                        <p className="mt-0.5 font-mono text-xs text-zinc-500">{k.prefix}…</p>
                        {isAdmin && k.ownerEmail && <p className="mt-0.5 text-xs text-zinc-400">{mine ? 'Yours' : `Owner: ${k.ownerEmail}`}</p>}
                      </TD>
                      <TD>
                        <div className="flex flex-wrap gap-1">
                          {k.scopes.map((s) => (
                            <Badge key={s} tone={s === 'admin' ? 'violet' : s === 'write' ? 'blue' : 'neutral'}>
                              {s}
                            </Badge>
                          ))}
                        </div>
                      </TD>
                      <TD>
                        <Badge tone={STATUS_TONE[k.status]}>
                          <span className={cx('size-1.5 rounded-full', k.status === 'ACTIVE' ? 'bg-emerald-500' : k.status === 'REVOKED' ? 'bg-red-500' : 'bg-zinc-400')} />
                          <span data-testid="api-key-status">{k.status.charAt(0) + k.status.slice(1).toLowerCase()}</span>
                        </Badge>
                      </TD>
                      <TD className="whitespace-nowrap text-zinc-500">{formatDate(k.createdAt)}</TD>
                      <TD className="whitespace-nowrap text-zinc-500">{k.revokedAt ? <span className="text-zinc-400">—</span> : k.expiresAt ? formatDate(k.expiresAt) : 'Never'}</TD>
                      <TD className="whitespace-nowrap text-zinc-500">{k.lastUsedAt ? formatRelative(k.lastUsedAt) : 'Never'}</TD>
                      <TD className="whitespace-nowrap text-right">
                        <AuditLink filter={{ actorApiKeyId: k.id }} label={`Activity of key ${k.name}`}>
                          Activity
                        </AuditLink>
                        {k.status === 'ACTIVE' && (mine || isAdmin) && (
                          <Button variant="danger-ghost" size="sm" onClick={() => void onRevoke(k.id, k.name, k.prefix)} disabled={revoke.isPending && revoke.variables?.id === k.id}>
                            Revoke
                          </Button>
                        )}
                      </TD>
                    </tr>
                  );
                })}
              </TBody>
            </Table>
          )}
        </Card>
        {viewer.data && !canCreate ? (
          <Banner tone="info" title="Your role cannot create API keys" />
        ) : (
          <CreateKeyForm
            onCreated={(secret, name) => {
              setCreated({ secret, name });
              window.scrollTo({ top: 0, behavior: 'smooth' });
            }}
          />
        )}
      </div>
    </>
  );
}
