'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { ClusterCheckConnectionMutation, ConnectClusterInput } from '@/app/gql/graphql';
import { CheckCircleIcon, RefreshIcon, ServerIcon, XCircleIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import { Banner, Breadcrumb, Button, Card, CardBody, CardFooter, CardHeader, Field, Input, Mono, PageHeader, Textarea } from '@/app/components/ui';
import { formatDateTime } from '@/app/lib/format';
import { useFormErrors } from '@/app/lib/forms';
import { useGqlMutation } from '@/app/lib/gql-hooks';
import { isGraphQLRequestError, type GraphQLRequestError } from '@/app/lib/graphql-client';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { CapacitySummary, CheckList, PermissionTable } from '../cluster-report';

const CheckConnection = graphql(`
  mutation ClusterCheckConnection($input: ConnectClusterInput!) {
    checkClusterConnection(input: $input) {
      ok
      server
      namespace
      serverVersion
      checks {
        ...ClusterCheckFields
      }
      permissions {
        ...ClusterPermissionFields
      }
      capacity {
        ...ClusterCapacityFields
      }
    }
  }
`);

const ConnectCluster = graphql(`
  mutation ConnectCluster($input: ConnectClusterInput!) {
    connectCluster(input: $input) {
      id
      name
      status
    }
  }
`);

type Report = ClusterCheckConnectionMutation['checkClusterConnection'];

/** Form fields the server's `extensions.fields` paths can name. */
const FORM_FIELDS = ['name', 'namespace', 'gpuTypeLabel', 'kubeconfig'] as const;

/** A refused kubeconfig names the offending entry (`users[0].user.exec`); anything that is not a form field is inside the kubeconfig. */
function kubeconfigIssue(e: GraphQLRequestError): { path: string; message: string } | null {
  const f = e.fields.find((x) => !(FORM_FIELDS as readonly string[]).includes(x.path) && !x.path.startsWith('checks.'));
  // The message repeats the path ("Kubeconfig users[0].user.exec: exec credential plugins…"); the path is shown on its own.
  if (f) return { path: f.path, message: f.message.replace(`Kubeconfig ${f.path}: `, '').replace(/^./, (c) => c.toUpperCase()) };
  const k = e.fields.find((x) => x.path === 'kubeconfig');
  return k ? { path: '', message: k.message.replace(/^Kubeconfig: /, '').replace(/^./, (c) => c.toUpperCase()) } : null;
}

const PLACEHOLDER = `apiVersion: v1
kind: Config
clusters:
- name: gpu-prod
  cluster:
    server: https://k8s.example.com:6443
    certificate-authority-data: LS0tLS1CRUdJTi...
users:
- name: gantry
  user:
    token: eyJhbGciOiJSUzI1NiIs...
contexts:
- name: gantry@gpu-prod
  context: { cluster: gpu-prod, user: gantry }
current-context: gantry@gpu-prod`;

function ReportCard({ report, stale, checkedAt }: { report: Report; stale: boolean; checkedAt: string }) {
  const failed = report.checks.filter((c) => c.status === 'failed').length;
  const warnings = report.checks.filter((c) => c.status === 'warning').length;
  return (
    <Card className="min-w-0" id="cluster-report">
      <CardHeader
        title={
          <span className="inline-flex items-center gap-2">
            {report.ok ? <CheckCircleIcon className="size-5 text-emerald-600" /> : <XCircleIcon className="size-5 text-red-600" />}
            <span data-testid="report-verdict">{report.ok ? 'Ready to connect' : 'Cannot run jobs yet'}</span>
          </span>
        }
        description={
          <>
            <span className="font-mono text-[12.5px]">{report.server}</span> · namespace <span className="font-mono text-[12.5px]">{report.namespace}</span>
            {report.serverVersion && <> · Kubernetes {report.serverVersion}</>}
            <span className="block text-xs text-zinc-400">
              Checked {formatDateTime(checkedAt)}
              {failed > 0 && ` · ${failed} failed`}
              {warnings > 0 && ` · ${warnings} warning${warnings === 1 ? '' : 's'}`}
            </span>
          </>
        }
      />
      {stale && (
        <div className="border-b border-zinc-100 px-5 py-3">
          <Banner tone="warning">The form changed since this check. Check the connection again before connecting.</Banner>
        </div>
      )}
      <CheckList checks={report.checks} />
      <div className="border-t border-zinc-100">
        <p className="px-5 pt-4 pb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Permissions in the namespace</p>
        <PermissionTable permissions={report.permissions} />
      </div>
      {report.capacity && (
        <div className="border-t border-zinc-100">
          <p className="px-5 pt-4 pb-2 text-[11px] font-semibold uppercase tracking-wider text-zinc-400">Capacity</p>
          <CapacitySummary capacity={report.capacity} />
        </div>
      )}
    </Card>
  );
}

/**
 * Connecting a Kubernetes cluster: the admin pastes a kubeconfig, checks it
 * (nothing is stored), reads the report, and connects once every required check passes.
 */
export function ConnectClusterView() {
  const { org } = useOrg();
  const router = useRouter();
  const toast = useToast();
  const canManage = useCan('CLUSTER_MANAGE');
  const errors = useFormErrors();
  const [form, setForm] = useState({ name: '', namespace: 'gantry-jobs', gpuTypeLabel: '', kubeconfig: '' });
  const [checked, setChecked] = useState<{ report: Report; input: string; at: string } | null>(null);
  const [refused, setRefused] = useState<{ path: string; message: string } | null>(null);
  const check = useGqlMutation(CheckConnection);
  const connect = useGqlMutation(ConnectCluster);

  const input = (): ConnectClusterInput => ({
    name: form.name.trim(),
    namespace: form.namespace.trim(),
    kubeconfig: form.kubeconfig,
    ...(form.gpuTypeLabel.trim() ? { gpuTypeLabel: form.gpuTypeLabel.trim() } : {}),
  });
  const inputKey = JSON.stringify(input());
  const stale = checked !== null && checked.input !== inputKey;

  function set<K extends keyof typeof form>(key: K, value: string) {
    setForm((f) => ({ ...f, [key]: value }));
    errors.clearField(key);
    if (key === 'kubeconfig') setRefused(null);
  }

  function onError(e: GraphQLRequestError) {
    errors.fromError(e, FORM_FIELDS);
    const issue = isGraphQLRequestError(e) ? kubeconfigIssue(e) : null;
    setRefused(issue);
    // The refusal is shown under the kubeconfig, not twice.
    if (issue) errors.check({});
  }

  function runCheck() {
    setRefused(null);
    if (!errors.check({ namespace: form.namespace.trim() ? undefined : 'Namespace is required', kubeconfig: form.kubeconfig.trim() ? undefined : 'Paste a kubeconfig' })) return;
    const key = inputKey;
    check.mutate(
      { input: input() },
      {
        onSuccess: (d) => {
          setChecked({ report: d.checkClusterConnection, input: key, at: new Date().toISOString() });
          requestAnimationFrame(() => document.getElementById('cluster-report')?.scrollIntoView({ behavior: 'smooth', block: 'start' }));
        },
        onError: (e) => {
          setChecked(null);
          onError(e);
        },
      },
    );
  }

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!errors.check({ name: form.name.trim() ? undefined : 'Cluster name is required' })) return;
    connect.mutate(
      { input: input() },
      {
        onSuccess: (d) => {
          toast.success('Cluster connected', `${d.connectCluster.name} can run jobs now.`);
          router.push(`/o/${org.slug}/clusters/${d.connectCluster.id}`);
        },
        onError,
      },
    );
  }

  const canConnect = checked !== null && checked.report.ok && !stale;
  const breadcrumb = <Breadcrumb items={[{ label: 'Clusters', href: `/o/${org.slug}/clusters` }, { label: 'Connect' }]} />;

  if (canManage === false) {
    return (
      <>
        <PageHeader title="Connect a cluster" breadcrumb={breadcrumb} />
        <Banner tone="info" title="Only admins connect clusters">
          Ask an admin of {org.name} to connect your Kubernetes cluster.
        </Banner>
      </>
    );
  }

  return (
    <>
      <PageHeader
        breadcrumb={breadcrumb}
        title="Connect a Kubernetes cluster"
        description="Gantry runs training jobs as batch/v1 Jobs, and the model servers of deployments, in one namespace of your cluster, with the credentials you paste here."
      />
      <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]">
        <Card className="min-w-0">
          <CardHeader
            title={
              <span className="inline-flex items-center gap-2">
                <ServerIcon className="size-4 text-zinc-400" /> Connection
              </span>
            }
            description="Only inline credentials are accepted: a bearer token or client certificate. No exec plugins, auth providers, file paths or proxies."
          />
          <form onSubmit={submit} noValidate>
            <CardBody className="space-y-5">
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label="Name" htmlFor="cluster-name" hint="Lowercase letters, digits and “-”, e.g. gpu-prod" error={errors.fields.name}>
                  <Input
                    id="cluster-name"
                    placeholder="gpu-prod"
                    value={form.name}
                    invalid={!!errors.fields.name}
                    onChange={(e) => set('name', e.target.value)}
                    autoComplete="off"
                  />
                </Field>
                <Field label="Namespace" htmlFor="cluster-namespace" hint="Where Gantry creates its jobs" error={errors.fields.namespace}>
                  <Input id="cluster-namespace" value={form.namespace} invalid={!!errors.fields.namespace} onChange={(e) => set('namespace', e.target.value)} autoComplete="off" />
                </Field>
              </div>
              <Field
                label="GPU-type label"
                htmlFor="cluster-gpu-label"
                optional
                hint={
                  <>
                    The node label that names each node’s GPU model. Default <Mono>nvidia.com/gpu.product</Mono>
                  </>
                }
                error={errors.fields.gpuTypeLabel}
              >
                <Input
                  id="cluster-gpu-label"
                  placeholder="nvidia.com/gpu.product"
                  value={form.gpuTypeLabel}
                  invalid={!!errors.fields.gpuTypeLabel}
                  onChange={(e) => set('gpuTypeLabel', e.target.value)}
                  autoComplete="off"
                />
              </Field>
              <Field
                label="Kubeconfig"
                htmlFor="cluster-kubeconfig"
                hint="Use a ServiceAccount token limited to the namespace. Stored encrypted; never shown again."
                error={errors.fields.kubeconfig}
              >
                <Textarea
                  id="cluster-kubeconfig"
                  rows={14}
                  wrap="off"
                  spellCheck={false}
                  autoComplete="off"
                  placeholder={PLACEHOLDER}
                  value={form.kubeconfig}
                  invalid={!!errors.fields.kubeconfig || !!refused}
                  aria-describedby={refused ? 'kubeconfig-refused' : undefined}
                  onChange={(e) => set('kubeconfig', e.target.value)}
                  className="font-mono text-[12.5px] leading-5"
                />
              </Field>
              {refused && (
                <div id="kubeconfig-refused" data-testid="kubeconfig-refused" role="alert" className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900">
                  <p className="flex items-center gap-2 font-semibold">
                    <XCircleIcon className="size-4 text-red-600" /> This kubeconfig was refused
                  </p>
                  {refused.path && (
                    <p className="mt-1.5">
                      Field <code className="rounded bg-white px-1.5 py-0.5 font-mono text-[12.5px] text-red-800 ring-1 ring-red-200" data-testid="kubeconfig-refused-field">{refused.path}</code>
                    </p>
                  )}
                  <p className="mt-1.5 text-red-800" data-testid="kubeconfig-refused-message">
                    {refused.message}
                  </p>
                </div>
              )}
              {errors.form && <Banner tone="error">{errors.form}</Banner>}
            </CardBody>
            <CardFooter className="justify-between">
              <p className="text-[13px] text-zinc-500">{canConnect ? 'Every required check passed.' : 'Check the connection first; nothing is stored until you connect.'}</p>
              <div className="flex gap-2">
                <Button variant="secondary" onClick={runCheck} loading={check.isPending}>
                  <RefreshIcon className="size-4" /> Check connection
                </Button>
                <Button type="submit" disabled={!canConnect} loading={connect.isPending}>
                  Connect
                </Button>
              </div>
            </CardFooter>
          </form>
        </Card>
        {checked ? (
          <ReportCard report={checked.report} stale={stale} checkedAt={checked.at} />
        ) : (
          <Card className="min-w-0">
            <CardHeader title="Connection check" description="What Gantry will verify before it stores anything" />
            <ol className="space-y-2.5 px-5 py-4 text-sm text-zinc-600">
              {[
                ['Server address', 'The API server is not on a private or link-local network (unless the operator allows it)'],
                ['API server reachable', 'TLS verifies against the CA you provide'],
                ['Credentials accepted', 'The token or client certificate works'],
                ['Permissions (RBAC)', 'Create, read and delete Jobs; list Pods and read their logs in the namespace'],
                ['Namespace', 'The namespace exists'],
                ['GPU capacity', 'Nodes with allocatable nvidia.com/gpu, grouped by GPU type'],
              ].map(([t, d], i) => (
                <li key={t} className="flex gap-3">
                  <span className="flex size-5 shrink-0 items-center justify-center rounded-full bg-zinc-100 text-[11px] font-semibold text-zinc-500">{i + 1}</span>
                  <span>
                    <span className="font-medium text-zinc-900">{t}</span> — {d}
                  </span>
                </li>
              ))}
            </ol>
          </Card>
        )}
      </div>
    </>
  );
}
