'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { AlertMetric, MonitoringQuery } from '@/app/gql/graphql';
import { useConfirm } from '@/app/components/confirm';
import { useToast } from '@/app/components/toast';
import { Badge, Button, Card, CardBody, CardHeader, EmptyState, Field, Input, Select, Table, TBody, TD, TH, THead } from '@/app/components/ui';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { ALERT_METRIC_LABELS, FEATURE_METRICS, alertRuleProblem } from '@/rules/monitoring/alert-rules';
import { ApiErrorBanner } from '../../../models/editors';

const Policies = graphql(`
  query MonitoringRetrainingPolicies($modelId: ID!) {
    retrainingPolicies(modelId: $modelId) {
      id
      name
    }
  }
`);
const CreateRule = graphql(`
  mutation CreateAlertRule($deploymentId: ID!, $input: AlertRuleInput!) {
    createAlertRule(deploymentId: $deploymentId, input: $input) {
      id
    }
  }
`);
const UpdateRule = graphql(`
  mutation UpdateAlertRule($ruleId: ID!, $input: AlertRuleInput!) {
    updateAlertRule(ruleId: $ruleId, input: $input) {
      id
      enabled
    }
  }
`);
const DeleteRule = graphql(`
  mutation DeleteAlertRule($ruleId: ID!) {
    deleteAlertRule(ruleId: $ruleId)
  }
`);

type Data = NonNullable<MonitoringQuery['deploymentMonitoring']>;
type Rule = Data['rules'][number];

const METRICS = Object.keys(ALERT_METRIC_LABELS) as AlertMetric[];
const DEFAULTS: Record<AlertMetric, number> = { psi: 0.25, ks_statistic: 0.2, missing_rate: 0.05, out_of_range_rate: 0.05, unseen_rate: 0.05, error_rate: 0.02, p95_latency_ms: 250, request_rate: 1 };

const ruleInput = (r: Rule, enabled = r.enabled) => ({
  name: r.name,
  metric: r.metric,
  feature: r.feature,
  comparator: r.comparator,
  threshold: r.threshold,
  windowMinutes: r.windowMinutes,
  cooldownMinutes: r.cooldownMinutes,
  enabled,
  retrainingPolicyId: r.retrainingPolicyId,
});

function RuleForm({ data, policies, onDone }: { data: Data; policies: { id: string; name: string }[]; onDone: () => void }) {
  const toast = useToast();
  const features = [...new Set(data.versions.flatMap((v) => (v.baseline?.features ?? []).map((f) => f.key)))];
  const [name, setName] = useState('');
  const [metric, setMetric] = useState<AlertMetric>('psi');
  const [feature, setFeature] = useState('');
  const [comparator, setComparator] = useState<'above' | 'below'>('above');
  const [threshold, setThreshold] = useState(String(DEFAULTS.psi));
  const [windowMinutes, setWindow] = useState('60');
  const [cooldownMinutes, setCooldown] = useState('60');
  const [policy, setPolicy] = useState('');
  const create = useGqlMutation(CreateRule, {
    onSuccess: () => {
      toast.success('Alert rule added');
      onDone();
    },
  });
  const perFeature = FEATURE_METRICS.includes(metric);
  const values = { name, metric, feature: perFeature ? feature : null, threshold: Number(threshold), windowMinutes: Number(windowMinutes), cooldownMinutes: Number(cooldownMinutes) };
  const problem = threshold.trim() === '' ? 'The threshold must be a number' : alertRuleProblem(values);
  return (
    <form
      className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return;
        create.mutate({ deploymentId: data.deploymentId, input: { ...values, comparator, retrainingPolicyId: policy || null } });
      }}
    >
      <Field label="Name" htmlFor="rule-name" className="lg:col-span-2">
        <Input id="rule-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="tenure drift" />
      </Field>
      <Field label="Metric" htmlFor="rule-metric">
        <Select
          id="rule-metric"
          value={metric}
          onChange={(e) => {
            const m = e.target.value as AlertMetric;
            setMetric(m);
            setThreshold(String(DEFAULTS[m]));
          }}
        >
          {METRICS.map((m) => (
            <option key={m} value={m}>
              {ALERT_METRIC_LABELS[m]}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Feature" htmlFor="rule-feature" hint={perFeature ? undefined : 'Measured over the whole deployment'}>
        <Select id="rule-feature" value={perFeature ? feature : ''} onChange={(e) => setFeature(e.target.value)} disabled={!perFeature}>
          <option value="">{perFeature ? 'Worst feature' : '—'}</option>
          {features.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="When" htmlFor="rule-comparator">
        <Select id="rule-comparator" value={comparator} onChange={(e) => setComparator(e.target.value as 'above' | 'below')}>
          <option value="above">above</option>
          <option value="below">below</option>
        </Select>
      </Field>
      <Field label="Threshold" htmlFor="rule-threshold">
        <Input id="rule-threshold" inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />
      </Field>
      <Field label="Window (min)" htmlFor="rule-window">
        <Input id="rule-window" inputMode="numeric" value={windowMinutes} onChange={(e) => setWindow(e.target.value)} />
      </Field>
      <Field label="Cooldown (min)" htmlFor="rule-cooldown" hint="Quiet time between notifications">
        <Input id="rule-cooldown" inputMode="numeric" value={cooldownMinutes} onChange={(e) => setCooldown(e.target.value)} />
      </Field>
      <Field label="Then retrain with" htmlFor="rule-policy" optional className="lg:col-span-2">
        <Select id="rule-policy" value={policy} onChange={(e) => setPolicy(e.target.value)}>
          <option value="">Notify only</option>
          {policies.map((p) => (
            <option key={p.id} value={p.id}>
              Retraining policy “{p.name}”
            </option>
          ))}
        </Select>
      </Field>
      <div className="flex items-end gap-2 lg:col-span-2">
        <Button type="submit" loading={create.isPending} disabled={!!problem}>
          Add rule
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
        {problem && name && <span className="text-[13px] text-zinc-500">{problem}</span>}
      </div>
      {create.error && <ApiErrorBanner error={create.error} className="sm:col-span-2 lg:col-span-4" />}
    </form>
  );
}

export function AlertRulesEditor({ data, canWrite }: { data: Data; canWrite: boolean }) {
  const { org } = useOrg();
  const [adding, setAdding] = useState(false);
  const { data: p } = useGqlQuery(Policies, { modelId: data.modelId });
  const policies = p?.retrainingPolicies ?? [];
  const update = useGqlMutation(UpdateRule);
  const remove = useGqlMutation(DeleteRule);
  const confirm = useConfirm();
  return (
    <Card className="mb-6">
      <CardHeader
        title="Alert rules"
        description={
          <>
            Checked on every monitor run. Alerts go to everyone&apos;s notifications and to the organization&apos;s{' '}
            <Link href={`/o/${org.slug}/settings/webhooks`} className="text-brand-600 hover:underline">
              webhooks
            </Link>
            .
          </>
        }
        actions={canWrite && !adding ? <Button size="sm" onClick={() => setAdding(true)}>Add rule</Button> : undefined}
      />
      {adding && (
        <CardBody className="border-b border-zinc-100 bg-zinc-50/50">
          <RuleForm data={data} policies={policies} onDone={() => setAdding(false)} />
        </CardBody>
      )}
      {data.rules.length === 0 ? (
        <EmptyState compact className="m-4" title="No alert rules" description="Add one to be told when a feature drifts, quality drops or the endpoint slows down." />
      ) : (
        <Table>
          <THead>
            <TH>Rule</TH>
            <TH>Condition</TH>
            <TH>Window / cooldown</TH>
            <TH>Then</TH>
            <TH />
          </THead>
          <TBody>
            {data.rules.map((r) => (
              <tr key={r.id} data-testid="alert-rule">
                <TD dense>
                  <span className="font-medium text-zinc-900">{r.name}</span> {!r.enabled && <Badge>off</Badge>}
                </TD>
                <TD dense className="text-[13px]">
                  {ALERT_METRIC_LABELS[r.metric]}
                  {FEATURE_METRICS.includes(r.metric) && <span className="text-zinc-500"> of {r.feature ?? 'the worst feature'}</span>} {r.comparator} <span className="font-mono">{r.threshold}</span>
                </TD>
                <TD dense className="text-[13px] text-zinc-600">
                  {r.windowMinutes} min / {r.cooldownMinutes} min
                </TD>
                <TD dense className="text-[13px] text-zinc-600">
                  {r.retrainingPolicyId ? `retrain (${policies.find((x) => x.id === r.retrainingPolicyId)?.name ?? 'policy'})` : 'notify'}
                </TD>
                <TD dense className="text-right">
                  {canWrite && (
                    <div className="flex justify-end gap-1">
                      <Button size="sm" variant="ghost" onClick={() => update.mutate({ ruleId: r.id, input: ruleInput(r, !r.enabled) })}>
                        {r.enabled ? 'Turn off' : 'Turn on'}
                      </Button>
                      <Button
                        size="sm"
                        variant="danger-ghost"
                        onClick={async () => {
                          if (await confirm({ title: `Delete the rule “${r.name}”?`, body: 'Its alerts are deleted with it.', confirmLabel: 'Delete', danger: true })) remove.mutate({ ruleId: r.id });
                        }}
                      >
                        Delete
                      </Button>
                    </div>
                  )}
                </TD>
              </tr>
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}
