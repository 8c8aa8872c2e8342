'use client';

import Link from 'next/link';
import { useState } from 'react';
import { graphql } from '@/app/gql';
import type { BudgetAction, CostBudgetsQuery } from '@/app/gql/graphql';
import { useConfirm } from '@/app/components/confirm';
import { AlertIcon, PencilIcon, PlusIcon, TrashIcon } from '@/app/components/icons';
import { useToast } from '@/app/components/toast';
import { Badge, Banner, Button, Card, CardHeader, cx, EmptyState, Field, Input, LoadError, Select, Skeleton } from '@/app/components/ui';
import { BUDGET_ACTIONS, budgetActionText, costsLink, parseThresholds } from '@/app/lib/costs';
import { BUDGET_AMOUNT } from '@/rules/budgets';
import { parseDollars } from '@/rules/money';
import { useFormErrors } from '@/app/lib/forms';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { DEFAULT_THRESHOLDS } from '@/rules/budgets';
import { formatMicros, microsToDollars, microsToText } from '@/rules/money';

const CostBudgetsQuery = graphql(`
  query CostBudgets {
    budgets {
      id
      teamId
      teamName
      projectId
      projectName
      amountMicros
      thresholds
      action
      month
      spentMicros
      reservedMicros
      remainingMicros
    }
    costForecasts {
      teamId
      teamName
      month
      spentMicros
      forecastMicros
      budgetMicros
    }
    teams(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
    projects(first: 100) {
      edges {
        node {
          id
          name
          team {
            id
          }
        }
      }
    }
  }
`);

const SetBudget = graphql(`
  mutation SetBudget($teamId: ID!, $projectId: ID, $amountMicros: Micros!, $thresholds: [Int!], $action: BudgetAction) {
    setBudget(teamId: $teamId, projectId: $projectId, amountMicros: $amountMicros, thresholds: $thresholds, action: $action) {
      id
      teamName
      projectName
      amountMicros
    }
  }
`);

const DeleteBudget = graphql(`
  mutation DeleteBudget($budgetId: ID!) {
    deleteBudget(budgetId: $budgetId)
  }
`);

type Budget = CostBudgetsQuery['budgets'][number];
type Forecast = CostBudgetsQuery['costForecasts'][number];
type Team = CostBudgetsQuery['teams']['edges'][number]['node'];
type Project = CostBudgetsQuery['projects']['edges'][number]['node'];

const n = (micros: string | null | undefined) => (micros == null ? 0 : Number(micros));

/**
 * A budget's month as a bar against its amount: spent, then what running jobs hold (hatched),
 * the month-end forecast as a faint band behind them, and the alert thresholds below 100% as
 * notches; amber past the last alert before the limit, red once spent and reserved reach it.
 */
export function BudgetBar({ amount, spent, reserved, thresholds, forecast, className }: { amount: number; spent: number; reserved: number; thresholds: readonly number[]; forecast?: number | null; className?: string }) {
  const pct = (v: number) => Math.min(100, Math.max(0, (v / amount) * 100));
  const used = spent + reserved;
  const warnAt = thresholds.filter((t) => t < 100).at(-1);
  const tone = used >= amount ? 'bg-red-500' : warnAt != null && spent >= (amount * warnAt) / 100 ? 'bg-amber-500' : 'bg-brand-500';
  return (
    <div
      className={cx('relative h-2.5 overflow-hidden rounded-full bg-zinc-100', className)}
      role="meter"
      aria-valuemin={0}
      aria-valuemax={amount}
      aria-valuenow={Math.min(used, amount)}
      aria-label={`${formatMicros(used)} of ${formatMicros(amount)} spent or reserved`}
    >
      {forecast != null && forecast > spent && (
        <div className="absolute inset-y-0 left-0 bg-brand-100" style={{ width: `${pct(forecast)}%` }} title={`Forecast by month end: ${formatMicros(forecast)}`} />
      )}
      <div className={cx('absolute inset-y-0 left-0', tone)} style={{ width: `${pct(spent)}%` }} />
      {reserved > 0 && (
        <div
          className="absolute inset-y-0 bg-[repeating-linear-gradient(135deg,var(--color-brand-500)_0_3px,transparent_3px_6px)] opacity-60"
          style={{ left: `${pct(spent)}%`, width: `${pct(used) - pct(spent)}%` }}
          title={`Reserved by running jobs: ${formatMicros(reserved)}`}
        />
      )}
      {thresholds
        .filter((t) => t < 100)
        .map((t) => (
          <span key={t} className="absolute inset-y-0 w-0.5 -translate-x-1/2 bg-white" style={{ left: `${t}%` }} title={`Alert at ${t}%`} aria-hidden="true" />
        ))}
    </div>
  );
}

interface Draft {
  teamId: string;
  projectId: string;
  amount: string;
  thresholds: string;
  action: BudgetAction;
}

const FIELDS = ['teamId', 'projectId', 'amountMicros', 'thresholds', 'action'] as const;

/** Sets (or changes) a team's or a project's monthly budget; the API's field errors show on the fields. */
function BudgetForm({ teams, allProjects, initial, editing, onDone }: { teams: Team[]; allProjects: Project[]; initial: Draft; editing: boolean; onDone: () => void }) {
  const toast = useToast();
  const [d, setD] = useState<Draft>(initial);
  const errors = useFormErrors();
  const save = useGqlMutation(SetBudget);
  const team = teams.find((t) => t.id === d.teamId);
  const projects = team ? allProjects.filter((p) => p.team.id === team.id) : [];
  const set = <K extends keyof Draft>(k: K, v: Draft[K], field: (typeof FIELDS)[number]) => {
    setD((x) => ({ ...x, [k]: v }));
    errors.clearField(field);
  };

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const amount = parseDollars(d.amount, BUDGET_AMOUNT);
    const thresholds = parseThresholds(d.thresholds);
    if (
      !errors.check({
        teamId: d.teamId ? undefined : 'Choose a team',
        amountMicros: 'error' in amount ? amount.error : undefined,
        thresholds: 'error' in thresholds ? thresholds.error : undefined,
      })
    )
      return;
    save.mutate(
      {
        teamId: d.teamId,
        projectId: d.projectId || null,
        amountMicros: microsToText((amount as { micros: number }).micros),
        thresholds: (thresholds as { thresholds: number[] }).thresholds,
        action: d.action,
      },
      {
        onSuccess: (r) => {
          toast.success('Budget saved', `${r.setBudget.projectName ? `${r.setBudget.teamName} › ${r.setBudget.projectName}` : r.setBudget.teamName}: ${formatMicros(r.setBudget.amountMicros)} a month.`);
          onDone();
        },
        onError: (err) => errors.fromError(err, FIELDS),
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="border-b border-zinc-100 bg-zinc-50/60 px-5 py-5" data-testid="budget-form" aria-label={editing ? 'Change budget' : 'Set a budget'}>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Field label="Team" htmlFor="budget-team" error={errors.fields.teamId}>
          <Select
            id="budget-team"
            value={d.teamId}
            disabled={editing}
            invalid={!!errors.fields.teamId}
            onChange={(e) => {
              set('teamId', e.target.value, 'teamId');
              set('projectId', '', 'projectId');
            }}
          >
            <option value="">Choose a team…</option>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Project" htmlFor="budget-project" optional error={errors.fields.projectId} hint="Empty: the whole team">
          <Select id="budget-project" value={d.projectId} disabled={editing || !team} invalid={!!errors.fields.projectId} onChange={(e) => set('projectId', e.target.value, 'projectId')}>
            <option value="">Whole team</option>
            {projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Monthly amount" htmlFor="budget-amount" error={errors.fields.amountMicros} hint="US dollars per calendar month (UTC)">
          <div className="relative">
            <span className="pointer-events-none absolute inset-y-0 left-3 flex items-center text-sm text-zinc-400">$</span>
            <Input
              id="budget-amount"
              inputMode="decimal"
              placeholder="2,500"
              value={d.amount}
              invalid={!!errors.fields.amountMicros}
              aria-describedby={errors.fields.amountMicros ? 'budget-amount-error' : undefined}
              onChange={(e) => set('amount', e.target.value, 'amountMicros')}
              className="pl-6 tabular-nums"
            />
          </div>
        </Field>
        <Field label="Alert thresholds" htmlFor="budget-thresholds" error={errors.fields.thresholds} hint="Percentages, e.g. 50, 80, 100">
          <Input
            id="budget-thresholds"
            value={d.thresholds}
            invalid={!!errors.fields.thresholds}
            aria-describedby={errors.fields.thresholds ? 'budget-thresholds-error' : undefined}
            onChange={(e) => set('thresholds', e.target.value, 'thresholds')}
            className="tabular-nums"
          />
        </Field>
      </div>
      <fieldset className="mt-5">
        <legend className="text-sm font-medium text-zinc-800">At the limit</legend>
        <div className="mt-2 grid gap-2 md:grid-cols-3">
          {BUDGET_ACTIONS.map((a) => (
            <label
              key={a.value}
              className={cx(
                'flex cursor-pointer gap-3 rounded-lg bg-white px-3.5 py-3 ring-1 ring-inset',
                d.action === a.value ? 'ring-2 ring-brand-500' : 'ring-zinc-200 hover:ring-zinc-300',
              )}
            >
              <input type="radio" name="budget-action" value={a.value} checked={d.action === a.value} onChange={() => set('action', a.value, 'action')} className="mt-0.5 accent-brand-600" />
              <span>
                <span className="block text-sm font-medium text-zinc-900">{a.label}</span>
                <span className="mt-0.5 block text-[13px] text-zinc-500">{a.description}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.fields.action && (
          <p role="alert" className="mt-1 text-[13px] text-red-600">
            {errors.fields.action}
          </p>
        )}
      </fieldset>
      {errors.form && (
        <Banner tone="error" className="mt-4">
          {errors.form}
        </Banner>
      )}
      <div className="mt-5 flex justify-end gap-2">
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" loading={save.isPending}>
          {editing ? 'Save budget' : 'Set budget'}
        </Button>
      </div>
    </form>
  );
}

function BudgetRow({ b, forecast, canManage, onEdit, orgSlug }: { b: Budget; forecast: Forecast | undefined; canManage: boolean; onEdit: () => void; orgSlug: string }) {
  const confirm = useConfirm();
  const toast = useToast();
  const remove = useGqlMutation(DeleteBudget);
  const amount = n(b.amountMicros);
  const spent = n(b.spentMicros);
  const reserved = n(b.reservedMicros);
  const f = b.projectId ? null : forecast ? n(forecast.forecastMicros) : null;
  const over = f != null && f > amount;
  const name = b.projectName ? `${b.teamName} › ${b.projectName}` : b.teamName;
  return (
    <li className={cx('grid gap-x-6 gap-y-3 px-5 py-4 md:grid-cols-[minmax(0,13rem)_minmax(0,1fr)_10rem]', b.projectId && 'md:pl-10')} data-testid="budget-row" data-budget-id={b.id}>
      <div className="min-w-0">
        <Link href={costsLink(orgSlug, b.projectId ? { team: b.teamId, project: b.projectId } : { team: b.teamId })} className="block truncate text-sm font-medium text-zinc-900 hover:text-brand-700" data-testid="budget-name">
          {b.projectId ? (
            <>
              <span className="font-normal text-zinc-500">{b.teamName} › </span>
              {b.projectName}
            </>
          ) : (
            b.teamName
          )}
        </Link>
        <p className="mt-0.5 text-[13px] text-zinc-500" data-testid="budget-action">
          {budgetActionText(b.action)}
        </p>
        <p className="text-[12px] text-zinc-400">Alerts at {b.thresholds.map((t) => `${t}%`).join(', ')}</p>
      </div>
      <div className="min-w-0 self-center">
        <div className="mb-1.5 flex items-baseline justify-between gap-3 text-[13px]">
          <span className="text-zinc-600 tabular-nums" data-testid="budget-standing">
            <span className="font-semibold text-zinc-900">{formatMicros(spent)}</span> spent
            {reserved > 0 && <> · {formatMicros(reserved)} reserved</>} · <span className={cx(n(b.remainingMicros) === 0 && 'font-medium text-red-700')}>{formatMicros(b.remainingMicros)} left</span>
          </span>
          <span className="shrink-0 text-zinc-500 tabular-nums" data-testid="budget-amount">
            of {formatMicros(b.amountMicros)}
          </span>
        </div>
        <BudgetBar amount={amount} spent={spent} reserved={reserved} thresholds={b.thresholds} forecast={f} />
      </div>
      <div className="flex items-center justify-between gap-2 md:flex-col md:items-end md:justify-center">
        {f != null ? (
          <div className="text-[13px] md:text-right" data-testid="budget-forecast">
            <span className="text-zinc-500">Forecast </span>
            <span className={cx('font-medium tabular-nums', over ? 'text-red-700' : 'text-zinc-900')}>{formatMicros(f)}</span>
            {over && (
              <Badge tone="red" className="ml-1.5">
                <AlertIcon className="size-3" /> Over budget
              </Badge>
            )}
          </div>
        ) : (
          <span className="text-[13px] text-zinc-400">{b.projectId ? 'Forecasts are per team' : ''}</span>
        )}
        {canManage && (
          <div className="flex gap-1">
            <Button variant="ghost" size="sm" onClick={onEdit} aria-label={`Change the budget of ${name}`}>
              <PencilIcon className="size-3.5" /> Change
            </Button>
            <Button
              variant="danger-ghost"
              size="sm"
              loading={remove.isPending}
              aria-label={`Remove the budget of ${name}`}
              onClick={async () => {
                const ok = await confirm({
                  title: `Remove the budget of ${name}?`,
                  body: 'Its jobs are no longer capped or alerted on this month. What was spent stays in the ledger.',
                  confirmLabel: 'Remove budget',
                  danger: true,
                });
                if (!ok) return;
                remove.mutate({ budgetId: b.id }, { onSuccess: () => toast.success('Budget removed', name), onError: (e) => toast.error('Could not remove the budget', e.message) });
              }}
            >
              <TrashIcon className="size-3.5" /> Remove
            </Button>
          </div>
        )}
      </div>
    </li>
  );
}

/**
 * This month's budgets: each team's (and project's) spend, reservations and what is left as a
 * bar against the amount, the team's month-end forecast beside it; admins set, change and
 * remove budgets, everyone else sees where they stand.
 */
export function BudgetsSection({ canManage }: { canManage: boolean | undefined }) {
  const { org } = useOrg();
  const q = useGqlQuery(CostBudgetsQuery, {});
  const [form, setForm] = useState<{ key: number; draft: Draft; editing: boolean } | null>(null);
  const teams = q.data?.teams.edges.map((e) => e.node) ?? [];
  const budgets = q.data?.budgets ?? [];
  const forecasts = q.data?.costForecasts ?? [];
  const month = budgets[0]?.month ?? forecasts[0]?.month ?? '';
  const forecastOf = new Map(forecasts.map((f) => [f.teamId, f]));
  const open = (draft: Partial<Draft>, editing = false) =>
    setForm({ key: Date.now(), editing, draft: { teamId: '', projectId: '', amount: '', thresholds: DEFAULT_THRESHOLDS.join(', '), action: 'block', ...draft } });
  // Team budgets first, each followed by its projects' budgets; then the teams without one.
  const ordered = [...budgets].sort((a, b) => a.teamName.localeCompare(b.teamName) || (a.projectId ? 1 : 0) - (b.projectId ? 1 : 0) || (a.projectName ?? '').localeCompare(b.projectName ?? ''));
  const unbudgeted = forecasts.filter((f) => !budgets.some((b) => b.teamId === f.teamId && !b.projectId));

  return (
    <Card id="budgets">
      <CardHeader
        title={month ? `Budgets for ${month}` : 'Budgets'}
        description={
          <>
            Monthly, per team or project, in UTC. Reserved is the worst case of jobs not ended yet; the forecast is the month so far plus the last seven days’ rate.
            {canManage === false && ' Admins set budgets.'}
          </>
        }
        actions={
          canManage &&
          teams.length > 0 && (
            <Button size="sm" onClick={() => open({})} data-testid="new-budget">
              <PlusIcon className="size-3.5" /> Set a budget
            </Button>
          )
        }
      />
      {form && canManage && <BudgetForm key={form.key} teams={teams} allProjects={q.data?.projects.edges.map((e) => e.node) ?? []} initial={form.draft} editing={form.editing} onDone={() => setForm(null)} />}
      {q.error ? (
        <div className="p-5">
          <LoadError error={q.error} onRetry={() => void q.refetch()} />
        </div>
      ) : !q.data ? (
        <div className="space-y-4 p-5" role="status" aria-label="Loading">
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
        </div>
      ) : teams.length === 0 ? (
        <div className="p-5">
          <EmptyState compact title="No teams yet" description="Budgets are per team: create a team, and its projects’ jobs count against its budget." />
        </div>
      ) : (
        <>
          {ordered.length === 0 && !form && (
            <div className="px-5 pt-5">
              <EmptyState
                compact
                title="No budgets yet"
                description={canManage ? 'Cap a team’s monthly spend: alerts at thresholds, and jobs refused once they would not fit.' : 'No team has a monthly budget. Admins and owners set them.'}
              />
            </div>
          )}
          {ordered.length > 0 && (
            <ul className="flex flex-wrap gap-x-4 gap-y-1 border-b border-zinc-100 px-5 py-2 text-[12px] text-zinc-500" aria-label="Bar legend">
              <li className="inline-flex items-center gap-1.5">
                <span className="h-2 w-3 rounded-sm bg-brand-500" /> Spent
              </li>
              <li className="inline-flex items-center gap-1.5">
                <span className="h-2 w-3 rounded-sm bg-[repeating-linear-gradient(135deg,var(--color-brand-500)_0_3px,transparent_3px_6px)] opacity-60" /> Reserved by running jobs
              </li>
              <li className="inline-flex items-center gap-1.5">
                <span className="h-2 w-3 rounded-sm bg-brand-100" /> Forecast by month end
              </li>
              <li className="inline-flex items-center gap-1.5">
                <span className="h-2 w-3 rounded-sm bg-zinc-100 bg-[linear-gradient(90deg,transparent_5px,white_5px,white_7px,transparent_7px)]" /> Alert thresholds
              </li>
            </ul>
          )}
          <ul className="divide-y divide-zinc-100" data-testid="budgets">
            {ordered.map((b) => (
              <BudgetRow
                key={b.id}
                b={b}
                forecast={forecastOf.get(b.teamId)}
                canManage={!!canManage}
                orgSlug={org.slug}
                onEdit={() =>
                  open(
                    { teamId: b.teamId, projectId: b.projectId ?? '', amount: microsToDollars(b.amountMicros, { minDecimals: 2 }), thresholds: b.thresholds.join(', '), action: b.action },
                    true,
                  )
                }
              />
            ))}
          </ul>
          {unbudgeted.length > 0 && (
            <div className={cx('px-5 py-4', ordered.length > 0 && 'border-t border-zinc-100')}>
              <p className="mb-2 text-xs font-medium uppercase tracking-wide text-zinc-500">Teams without a budget</p>
              <ul className="divide-y divide-zinc-100 rounded-lg ring-1 ring-zinc-200" data-testid="unbudgeted-teams">
                {unbudgeted.map((f) => (
                  <li key={f.teamId} className="flex flex-wrap items-center gap-x-6 gap-y-1 px-4 py-2.5 text-[13px]" data-testid="unbudgeted-team">
                    <Link href={costsLink(org.slug, { team: f.teamId })} className="min-w-40 flex-1 font-medium text-zinc-900 hover:text-brand-700">
                      {f.teamName}
                    </Link>
                    <span className="text-zinc-600 tabular-nums">
                      <span className="font-medium text-zinc-900">{formatMicros(f.spentMicros)}</span> spent
                    </span>
                    <span className="text-zinc-600 tabular-nums">
                      forecast <span className="font-medium text-zinc-900">{formatMicros(f.forecastMicros)}</span>
                    </span>
                    {canManage && (
                      <Button variant="secondary" size="sm" onClick={() => open({ teamId: f.teamId })} aria-label={`Set a budget for ${f.teamName}`}>
                        Set budget
                      </Button>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          )}
        </>
      )}
    </Card>
  );
}
