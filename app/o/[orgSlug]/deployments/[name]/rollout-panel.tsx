'use client';

import { useEffect, useRef, useState } from 'react';
import { graphql } from '@/app/gql';
import type { RolloutPanelQuery, RolloutPreset, RolloutState } from '@/app/gql/graphql';
import { useConfirm } from '@/app/components/confirm';
import { useToast } from '@/app/components/toast';
import { Badge, Button, Card, CardHeader, EmptyState, Field, Input, LoadError, Select, Skeleton, cx } from '@/app/components/ui';
import { formatDateTime, formatRelative } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useCan } from '@/app/lib/viewer';
import { ApiErrorBanner } from '../../models/editors';

const RolloutPanelQueryDoc = graphql(`
  query RolloutPanel($deploymentId: ID!) {
    rollouts(deploymentId: $deploymentId, limit: 20) {
      id
      n
      fromVersion
      toVersion
      state
      currentStep
      currentWeight
      stepStartedAt
      stepCanaryRequests
      stepRequests
      approvedBy
      startedBy
      reason
      createdAt
      finishedAt
      plan {
        thresholds {
          latencyToleranceMs
        }
        requireApproval
        stepTimeoutSeconds
        steps {
          weight
          minRequests
          minDurationSeconds
        }
      }
      verdicts {
        step
        weight
        outcome
        passed
        reason
        skippedBy
        windowStart
        windowEnd
        ksDistance
        ksPValue
        psi
        shadowPairs
        shadowAgreement
        canary {
          requests
          errors
          errorRate
          p95LatencyMs
          samples
          meanPrediction
        }
        stable {
          requests
          errors
          errorRate
          p95LatencyMs
          samples
          meanPrediction
        }
        checks {
          name
          value
          threshold
          passed
          detail
        }
      }
    }
  }
`);

const StartRolloutMutation = graphql(`
  mutation StartRollout($deploymentId: ID!, $version: Int!, $preset: RolloutPreset, $requireApproval: Boolean) {
    startRollout(deploymentId: $deploymentId, version: $version, preset: $preset, requireApproval: $requireApproval) {
      id
      n
    }
  }
`);
const ApproveRolloutMutation = graphql(`
  mutation ApproveRollout($id: ID!) {
    approveRollout(id: $id) {
      id
      state
    }
  }
`);
const PauseRolloutMutation = graphql(`
  mutation PauseRollout($id: ID!) {
    pauseRollout(id: $id) {
      id
      state
    }
  }
`);
const ResumeRolloutMutation = graphql(`
  mutation ResumeRollout($id: ID!) {
    resumeRollout(id: $id) {
      id
      state
    }
  }
`);
const AbortRolloutMutation = graphql(`
  mutation AbortRollout($id: ID!, $reason: String) {
    abortRollout(id: $id, reason: $reason) {
      id
      state
    }
  }
`);
const SkipRolloutAnalysisMutation = graphql(`
  mutation SkipRolloutAnalysis($id: ID!) {
    skipRolloutAnalysis(id: $id) {
      id
      state
    }
  }
`);

type Rollout = RolloutPanelQuery['rollouts'][number];
type Verdict = Rollout['verdicts'][number];

const ENDED: RolloutState[] = ['promoted', 'rolled_back', 'aborted', 'failed'];
const isRunning = (r: Rollout | undefined) => !!r && !ENDED.includes(r.state);

/** How often the panel reads the rollout: often while one runs (it moves in seconds), rarely otherwise. */
const LIVE_POLL_MS = 1_500;
const IDLE_POLL_MS = 15_000;

const STATE_LABEL: Record<RolloutState, { text: string; tone: 'neutral' | 'green' | 'red' | 'amber' | 'blue' | 'violet' }> = {
  provisioning: { text: 'Provisioning', tone: 'blue' },
  stepping: { text: 'Taking traffic', tone: 'blue' },
  analysing: { text: 'Analysing', tone: 'violet' },
  paused: { text: 'Paused', tone: 'amber' },
  awaiting_approval: { text: 'Awaiting approval', tone: 'amber' },
  promoted: { text: 'Promoted', tone: 'green' },
  rolled_back: { text: 'Rolled back', tone: 'red' },
  aborted: { text: 'Aborted', tone: 'neutral' },
  failed: { text: 'Failed', tone: 'red' },
};

export function RolloutStateBadge({ state }: { state: RolloutState }) {
  const s = STATE_LABEL[state];
  return (
    <Badge tone={s.tone}>
      <span data-testid="rollout-state" data-state={state}>
        {s.text}
      </span>
    </Badge>
  );
}

/** A clock that ticks every second while `on`, for the time left in a step. */
function useNow(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [on]);
  return now;
}

const pct = (x: number | null | undefined, digits = 1) => (x == null ? '—' : `${(x * 100).toFixed(digits)}%`);
const ms = (x: number | null | undefined) => (x == null ? '—' : `${x.toFixed(1)} ms`);
const num = (x: number | null | undefined, digits = 3) => (x == null ? '—' : x.toFixed(digits));

// ---- the stepper -------------------------------------------------------------------------------

function Stepper({ r }: { r: Rollout }) {
  const steps = r.plan.steps;
  return (
    <ol className="flex items-stretch gap-1.5" data-testid="rollout-stepper">
      {steps.map((s, i) => {
        const verdict = r.verdicts.find((v) => v.step === i);
        const promoted = r.state === 'promoted' && s.weight === 100;
        const current = isRunning(r) && (i === r.currentStep || (s.weight === 100 && r.state === 'awaiting_approval'));
        const failed = verdict && !verdict.passed;
        const done = (verdict && verdict.passed) || promoted;
        return (
          <li
            key={i}
            data-step={i}
            data-status={failed ? 'failed' : done ? 'done' : current ? 'current' : 'pending'}
            className={cx(
              'flex min-w-0 flex-1 flex-col gap-0.5 rounded-md border px-3 py-2',
              failed && 'border-red-200 bg-red-50',
              done && !failed && 'border-emerald-200 bg-emerald-50',
              current && !failed && !done && 'border-brand-500 bg-brand-50',
              !failed && !done && !current && 'border-zinc-200 bg-white',
            )}
          >
            <span className={cx('text-[15px] font-semibold tabular-nums', failed ? 'text-red-700' : done ? 'text-emerald-700' : current ? 'text-brand-700' : 'text-zinc-500')}>{s.weight}%</span>
            <span className="truncate text-xs text-zinc-500">
              {s.weight === 100 ? (r.plan.requireApproval ? 'promote after approval' : 'promote') : verdict ? (verdict.outcome === 'skipped' ? 'analysis skipped' : verdict.passed ? 'passed' : verdict.outcome === 'timeout' ? 'too few requests' : 'failed') : `${s.minRequests} req · ${s.minDurationSeconds} s`}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

// ---- the current step --------------------------------------------------------------------------

function StepProgress({ r }: { r: Rollout }) {
  const live = isRunning(r) && r.stepStartedAt !== null && r.currentStep >= 0 && (r.state === 'stepping' || r.state === 'paused' || r.state === 'analysing');
  const now = useNow(live);
  if (!live) return null;
  const step = r.plan.steps[r.currentStep]!;
  const elapsed = Math.max(0, (now - new Date(r.stepStartedAt!).getTime()) / 1000);
  const left = Math.max(0, step.minDurationSeconds - elapsed);
  const requests = r.stepCanaryRequests ?? 0;
  const share = Math.min(1, requests / step.minRequests);
  return (
    <div className="grid gap-3 rounded-md border border-zinc-200 bg-zinc-50/60 px-4 py-3 sm:grid-cols-3" data-testid="rollout-step-progress">
      <div>
        <div className="text-xs font-medium uppercase tracking-wide text-zinc-500">Canary requests</div>
        <div className="mt-0.5 text-sm tabular-nums text-zinc-900">
          <span data-testid="step-requests">{requests}</span> / {step.minRequests}
        </div>
        <div className="mt-1.5 h-1.5 overflow-hidden rounded-full bg-zinc-200">
          <div className={cx('h-full rounded-full', share >= 1 ? 'bg-emerald-500' : 'bg-brand-500')} style={{ width: `${share * 100}%` }} />
        </div>
      </div>
      <div>
        <div className="text-xs font-medium uppercase tracking-wide text-zinc-500">Minimum time left</div>
        <div className="mt-0.5 text-sm tabular-nums text-zinc-900">{left > 0 ? `${Math.ceil(left)} s` : 'reached'}</div>
        <div className="mt-1 text-xs text-zinc-500">step timeout {r.plan.stepTimeoutSeconds} s</div>
      </div>
      <div>
        <div className="text-xs font-medium uppercase tracking-wide text-zinc-500">Weight</div>
        <div className="mt-0.5 text-sm tabular-nums text-zinc-900">
          v{r.toVersion} {r.currentWeight}% · v{r.fromVersion} {100 - r.currentWeight}%
        </div>
        <div className="mt-1 text-xs text-zinc-500">{r.stepRequests ?? 0} requests this step</div>
      </div>
    </div>
  );
}

// ---- verdicts ----------------------------------------------------------------------------------

const CHECK_LABEL: Record<string, string> = { error_rate: 'Error rate', latency_p95: 'p95 latency', prediction_distance: 'Prediction distance', shadow_agreement: 'Shadow agreement' };

function checkRow(v: Verdict, c: Verdict['checks'][number], latencyToleranceMs: number): { canary: string; stable: string; threshold: string } {
  switch (c.name) {
    case 'error_rate':
      return { canary: `${pct(v.canary.errorRate)} (${v.canary.errors}/${v.canary.requests})`, stable: `${pct(v.stable.errorRate)} (${v.stable.errors}/${v.stable.requests})`, threshold: `≤ +${pct(c.threshold)}` };
    case 'latency_p95':
      return { canary: ms(v.canary.p95LatencyMs), stable: ms(v.stable.p95LatencyMs), threshold: `≤ ×${c.threshold} or +${latencyToleranceMs} ms` };
    case 'prediction_distance':
      return {
        canary: v.ksDistance == null ? `${v.canary.samples} samples` : `KS ${num(v.ksDistance)} (p ${v.ksPValue != null && v.ksPValue < 1e-4 ? v.ksPValue.toExponential(1) : num(v.ksPValue, 3)}) · mean ${num(v.canary.meanPrediction)}`,
        stable: v.ksDistance == null ? `${v.stable.samples} samples` : `mean ${num(v.stable.meanPrediction)}`,
        threshold: `KS ≤ ${c.threshold}`,
      };
    default:
      return { canary: v.shadowAgreement == null ? `${v.shadowPairs} pairs` : `${pct(v.shadowAgreement)} of ${v.shadowPairs}`, stable: '—', threshold: `≥ ${pct(c.threshold, 0)}` };
  }
}

function VerdictCard({ v, latencyToleranceMs }: { v: Verdict; latencyToleranceMs: number }) {
  const tone = v.outcome === 'passed' ? 'green' : v.outcome === 'skipped' ? 'neutral' : 'red';
  return (
    <div className="rounded-md border border-zinc-200" data-testid="rollout-verdict" data-outcome={v.outcome}>
      <div className="flex flex-wrap items-center gap-2 border-b border-zinc-100 px-3 py-2">
        <span className="text-sm font-medium text-zinc-900">
          Step {v.step + 1} · {v.weight}%
        </span>
        <Badge tone={tone}>{v.outcome === 'timeout' ? 'too few requests' : v.outcome}</Badge>
        <span className="ml-auto text-xs text-zinc-500">
          {v.canary.requests} canary · {v.stable.requests} stable requests · {Math.round((new Date(v.windowEnd).getTime() - new Date(v.windowStart).getTime()) / 1000)} s window
        </span>
      </div>
      <table className="w-full text-[13px]">
        <thead>
          <tr className="text-left text-xs text-zinc-500">
            <th className="px-3 py-1.5 font-medium">Check</th>
            <th className="px-3 py-1.5 font-medium">Canary</th>
            <th className="px-3 py-1.5 font-medium">Stable</th>
            <th className="px-3 py-1.5 font-medium">Threshold</th>
            <th className="px-3 py-1.5 font-medium">Result</th>
          </tr>
        </thead>
        <tbody>
          {v.checks.map((c) => {
            const row = checkRow(v, c, latencyToleranceMs);
            const inconclusive = c.value == null;
            return (
              <tr key={c.name} className="border-t border-zinc-100 align-top" title={c.detail} data-check={c.name} data-passed={c.passed}>
                <td className="px-3 py-1.5 text-zinc-700">{CHECK_LABEL[c.name] ?? c.name}</td>
                <td className="px-3 py-1.5 tabular-nums text-zinc-900">{row.canary}</td>
                <td className="px-3 py-1.5 tabular-nums text-zinc-600">{row.stable}</td>
                <td className="px-3 py-1.5 tabular-nums text-zinc-600">{row.threshold}</td>
                <td className="px-3 py-1.5">{!c.passed ? <Badge tone="red">fail</Badge> : inconclusive ? <Badge>no data</Badge> : <Badge tone="green">pass</Badge>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {/* Failed checks speak for themselves in the table; a skip or a timeout needs its words. */}
      {v.reason && (v.outcome === 'skipped' || v.outcome === 'timeout') && <p className="border-t border-zinc-100 px-3 py-2 text-xs text-zinc-600">{v.reason}</p>}
    </div>
  );
}

// ---- actions -----------------------------------------------------------------------------------

function Actions({ r }: { r: Rollout }) {
  const confirm = useConfirm();
  const toast = useToast();
  const approve = useGqlMutation(ApproveRolloutMutation);
  const pause = useGqlMutation(PauseRolloutMutation);
  const resume = useGqlMutation(ResumeRolloutMutation);
  const abort = useGqlMutation(AbortRolloutMutation);
  const skip = useGqlMutation(SkipRolloutAnalysisMutation);
  const busy = approve.isPending || pause.isPending || resume.isPending || abort.isPending || skip.isPending;
  const error = approve.error ?? pause.error ?? resume.error ?? abort.error ?? skip.error;

  async function act(what: string, body: string, run: () => Promise<unknown>, danger = false) {
    if (!(await confirm({ title: `${what}?`, body, confirmLabel: what, danger }))) return;
    await run();
    toast.success(`${what}: sent to the rollout`);
  }
  const canSkip = r.state === 'stepping' || r.state === 'analysing' || r.state === 'paused';
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        {(r.state === 'awaiting_approval' || (r.plan.requireApproval && !r.approvedBy)) && (
          <Button size="sm" disabled={busy} onClick={() => void act('Approve', `Version ${r.toVersion} takes all the traffic${r.state === 'awaiting_approval' ? ' now' : ' once its analyses pass'}.`, () => approve.mutateAsync({ id: r.id }))}>
            Approve
          </Button>
        )}
        {r.state === 'paused' ? (
          <Button size="sm" variant="secondary" disabled={busy} onClick={() => void act('Resume', 'The rollout continues from its current step.', () => resume.mutateAsync({ id: r.id }))}>
            Resume
          </Button>
        ) : (
          <Button size="sm" variant="secondary" disabled={busy} onClick={() => void act('Pause', `The canary stays at ${r.currentWeight}%: no analysis and no next step until you resume.`, () => pause.mutateAsync({ id: r.id }))}>
            Pause
          </Button>
        )}
        {canSkip && (
          <Button size="sm" variant="secondary" disabled={busy} onClick={() => void act('Skip analysis', 'The current step passes without being judged; its numbers are still recorded.', () => skip.mutateAsync({ id: r.id }))}>
            Skip analysis
          </Button>
        )}
        <Button size="sm" variant="danger-ghost" disabled={busy} onClick={() => void act('Abort rollout', `All traffic goes back to version ${r.fromVersion} at once.`, () => abort.mutateAsync({ id: r.id, reason: null }), true)}>
          Abort
        </Button>
      </div>
      {error && <ApiErrorBanner error={error} />}
    </div>
  );
}

// ---- start form --------------------------------------------------------------------------------

const PRESETS: { value: RolloutPreset; label: string }[] = [
  { value: 'standard', label: 'Standard: 5% → 25% → 50% → 100%' },
  { value: 'quick', label: 'Quick: 10% → 50% → 100%' },
  { value: 'careful', label: 'Careful: 1% → 5% → 25% → 50% → 100%, with approval' },
];

function StartCanary({ deploymentId, versions }: { deploymentId: string; versions?: number[] }) {
  const start = useGqlMutation(StartRolloutMutation);
  const [picked, setVersion] = useState('');
  // The newest candidate until someone picks another (the list may arrive after the first render).
  const version = picked || (versions?.length ? String(versions[versions.length - 1]) : '');
  const [preset, setPreset] = useState<RolloutPreset>('standard');
  const [approval, setApproval] = useState(false);
  const n = Number(version);
  const valid = Number.isInteger(n) && n > 0;
  if (versions && !versions.length) {
    return (
      <p className="text-sm text-zinc-600" data-testid="start-canary-none">
        Every ready version of this model is already serving here. Register a new version (a training job, a retraining policy or the mlflow client) to roll it out.
      </p>
    );
  }
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      data-testid="start-canary"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid) start.mutate({ deploymentId, version: n, preset, requireApproval: approval || null });
      }}
    >
      <Field label="Version" htmlFor="canary-version">
        {versions?.length ? (
          <Select id="canary-version" value={version} onChange={(e) => setVersion(e.target.value)}>
            {versions.map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </Select>
        ) : (
          <Input id="canary-version" inputMode="numeric" className="w-24" value={version} onChange={(e) => setVersion(e.target.value)} />
        )}
      </Field>
      <Field label="Plan" htmlFor="canary-plan">
        <Select id="canary-plan" value={preset} onChange={(e) => setPreset(e.target.value as RolloutPreset)}>
          {PRESETS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </Select>
      </Field>
      <label className="flex h-9 items-center gap-2 text-sm text-zinc-700">
        <input type="checkbox" checked={approval || preset === 'careful'} disabled={preset === 'careful'} onChange={(e) => setApproval(e.target.checked)} className="size-4 rounded border-zinc-300" />
        Require approval before 100%
      </label>
      <Button type="submit" disabled={!valid || start.isPending}>
        Start canary
      </Button>
      {start.error && <ApiErrorBanner className="w-full" error={start.error} testId="start-canary-error" />}
    </form>
  );
}

// ---- history -----------------------------------------------------------------------------------

function HistoryRow({ r }: { r: Rollout }) {
  const [open, setOpen] = useState(false);
  return (
    <li className="py-2.5" data-testid="rollout-history-row" data-n={r.n}>
      <button type="button" className="flex w-full items-center gap-3 text-left" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="w-8 text-xs tabular-nums text-zinc-400">#{r.n}</span>
        <span className="text-sm tabular-nums text-zinc-900">
          v{r.fromVersion} → v{r.toVersion}
        </span>
        <RolloutStateBadge state={r.state} />
        <span className="min-w-0 flex-1 truncate text-xs text-zinc-500">{r.reason}</span>
        <span className="shrink-0 text-xs text-zinc-500" title={formatDateTime(r.finishedAt ?? r.createdAt)}>
          {r.startedBy} · {formatRelative(r.finishedAt ?? r.createdAt)}
        </span>
      </button>
      {open && (
        <div className="mt-2 space-y-2 pl-11">
          {r.verdicts.length ? r.verdicts.map((v) => <VerdictCard key={v.step} v={v} latencyToleranceMs={r.plan.thresholds.latencyToleranceMs} />) : <p className="text-xs text-zinc-500">No step was analysed.</p>}
        </div>
      )}
    </li>
  );
}

// ---- the panel ---------------------------------------------------------------------------------

/**
 * The deployment's canary rollouts: the running one live (its steps, the current step's requests
 * and time left, each analysis with canary and stable numbers against the thresholds, and a person's
 * controls), a form to start one when none runs, and the ones before it.
 */
export function RolloutPanel({ deploymentId, versions, onTrafficChange }: { deploymentId: string; versions?: number[]; onTrafficChange?: () => void }) {
  const canWrite = useCan('DEPLOYMENT_WRITE');
  const q = useGqlQuery(RolloutPanelQueryDoc, { deploymentId }, { refetchInterval: (d) => (isRunning(d?.rollouts[0]) ? LIVE_POLL_MS : IDLE_POLL_MS) });
  const rollouts = q.data?.rollouts ?? [];
  const current = isRunning(rollouts[0]) ? rollouts[0] : undefined;
  // Each step, a promotion and a rollback change the deployment's traffic: tell whoever shows it.
  const trafficMark = rollouts[0] ? `${rollouts[0].id}:${rollouts[0].state}:${rollouts[0].currentWeight}` : '';
  const seenMark = useRef(trafficMark);
  useEffect(() => {
    if (trafficMark === seenMark.current) return;
    const first = !seenMark.current;
    seenMark.current = trafficMark;
    if (!first) onTrafficChange?.();
  }, [trafficMark, onTrafficChange]);
  // The newest is shown above (running, or as the last outcome); the rest are history.
  const past = rollouts.slice(1);
  return (
    <Card id="rollouts">
      <CardHeader
        title="Canary rollouts"
        description="A new version takes a growing share of traffic; each step is compared with the stable version and the rollout promotes or rolls back by itself."
      />
      <div className="space-y-5 px-5 py-4" data-testid="rollout-panel">
        {q.error ? (
          <LoadError error={q.error} onRetry={() => void q.refetch()} />
        ) : q.isPending ? (
          <Skeleton className="h-24 w-full" />
        ) : current ? (
          <section className="space-y-4" data-testid="current-rollout" data-rollout-id={current.id}>
            <div className="flex flex-wrap items-center gap-2">
              <h3 className="text-sm font-semibold text-zinc-900">
                Rollout #{current.n}: v{current.fromVersion} → v{current.toVersion}
              </h3>
              <RolloutStateBadge state={current.state} />
              <span className="text-xs text-zinc-500">
                started by {current.startedBy} {formatRelative(current.createdAt)}
                {current.approvedBy ? ` · approved by ${current.approvedBy}` : ''}
              </span>
            </div>
            <Stepper r={current} />
            <StepProgress r={current} />
            {current.verdicts.length > 0 && (
              <div className="space-y-2">
                {[...current.verdicts].reverse().map((v) => (
                  <VerdictCard key={v.step} v={v} latencyToleranceMs={current.plan.thresholds.latencyToleranceMs} />
                ))}
              </div>
            )}
            {canWrite && <Actions r={current} />}
          </section>
        ) : (
          <section className="space-y-3">
            {rollouts[0] && <LastOutcome r={rollouts[0]} />}
            {canWrite ? <StartCanary deploymentId={deploymentId} versions={versions} /> : !rollouts.length && <EmptyState compact title="No rollouts yet" description="Someone with write access can start a canary of a new version here." />}
          </section>
        )}
        {past.length > 0 && (
          <section>
            <h3 className="text-xs font-medium uppercase tracking-wide text-zinc-500">History</h3>
            <ul className="divide-y divide-zinc-100" data-testid="rollout-history">
              {past.map((r) => (
                <HistoryRow key={r.id} r={r} />
              ))}
            </ul>
          </section>
        )}
      </div>
    </Card>
  );
}

/** The rollout that just ended, with its verdicts open: what a person came to see. */
function LastOutcome({ r }: { r: Rollout }) {
  const failed = r.verdicts.find((v) => !v.passed);
  return (
    <div className={cx('rounded-md border px-4 py-3', r.state === 'promoted' ? 'border-emerald-200 bg-emerald-50/60' : 'border-zinc-200 bg-zinc-50/60')} data-testid="last-rollout">
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-sm font-medium text-zinc-900">
          Rollout #{r.n}: v{r.fromVersion} → v{r.toVersion}
        </span>
        <RolloutStateBadge state={r.state} />
        <span className="text-xs text-zinc-500">{formatRelative(r.finishedAt ?? r.createdAt)}</span>
      </div>
      {r.reason && <p className="mt-1 text-[13px] text-zinc-600">{r.reason}</p>}
      <div className="mt-3">
        <Stepper r={r} />
      </div>
      {failed && (
        <div className="mt-3">
          <VerdictCard v={failed} latencyToleranceMs={r.plan.thresholds.latencyToleranceMs} />
        </div>
      )}
    </div>
  );
}
