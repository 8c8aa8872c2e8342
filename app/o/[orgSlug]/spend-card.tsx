'use client';

import Link from 'next/link';
import { graphql } from '@/app/gql';
import { AlertIcon, ArrowRightIcon } from '@/app/components/icons';
import { Badge, Card, CardHeader, cx, Skeleton } from '@/app/components/ui';
import { costsLink } from '@/app/lib/costs';
import { useGqlQuery } from '@/app/lib/gql-hooks';
import { useOrg } from '@/app/lib/org-context';
import { useCan } from '@/app/lib/viewer';
import { formatMicros } from '@/rules/money';
import { BudgetBar } from './costs/budgets-section';

const HomeSpendQuery = graphql(`
  query HomeSpend {
    costForecasts {
      teamId
      teamName
      month
      spentMicros
      forecastMicros
      budgetMicros
    }
    budgets {
      id
      teamId
      projectId
      amountMicros
      thresholds
      spentMicros
      reservedMicros
    }
    teams(first: 100) {
      edges {
        node {
          id
          members {
            user {
              id
            }
          }
        }
      }
    }
  }
`);

/**
 * The dashboard's spend this month: one tile per team the viewer belongs to (every team when
 * they belong to none), with the team's budget as a bar and the month-end forecast, each
 * opening the team's costs.
 */
export function SpendCard() {
  const { org, user } = useOrg();
  const canRead = useCan('COST_READ');
  const q = useGqlQuery(HomeSpendQuery, {}, { enabled: canRead === true });
  if (canRead === false || q.error) return null;
  const data = q.data;
  const mine = new Set(data?.teams.edges.filter((e) => e.node.members.some((m) => m.user.id === user.id)).map((e) => e.node.id) ?? []);
  const teams = (data?.costForecasts ?? []).filter((f) => mine.size === 0 || mine.has(f.teamId));
  // Nothing charged and nothing capped yet (no cluster has prices): the card would only say $0.
  if (data && (teams.length === 0 || (data.budgets.length === 0 && teams.every((t) => t.spentMicros === '0' && t.forecastMicros === '0')))) return null;
  const month = teams[0]?.month;

  return (
    <Card className="mt-6">
      <CardHeader
        title={month ? `Spend in ${month}` : 'Spend this month'}
        description={mine.size > 0 ? 'Your teams against their budgets, with the month-end forecast' : 'Each team against its budget, with the month-end forecast'}
        actions={
          <Link href={`/o/${org.slug}/costs`} className="inline-flex items-center gap-1 text-[13px] font-medium text-zinc-500 hover:text-zinc-900">
            Costs <ArrowRightIcon className="size-3.5" />
          </Link>
        }
      />
      {!data ? (
        <div className="grid gap-4 p-5 sm:grid-cols-2 lg:grid-cols-3">
          <Skeleton className="h-20" />
          <Skeleton className="h-20" />
        </div>
      ) : (
        <ul className="grid gap-3 p-5 sm:grid-cols-2 lg:grid-cols-3" data-testid="home-spend">
          {teams.map((t) => {
            const budget = data.budgets.find((b) => b.teamId === t.teamId && !b.projectId);
            const spent = Number(t.spentMicros);
            const forecast = Number(t.forecastMicros);
            const amount = budget ? Number(budget.amountMicros) : null;
            const over = amount != null && forecast > amount;
            return (
              <li key={t.teamId}>
                <Link href={costsLink(org.slug, { team: t.teamId })} className="block h-full rounded-lg px-4 py-3.5 ring-1 ring-zinc-200 transition-colors hover:bg-zinc-50 hover:ring-zinc-300" data-testid="home-spend-team">
                  <span className="flex items-baseline justify-between gap-3">
                    <span className="truncate text-sm font-medium text-zinc-900">{t.teamName}</span>
                    {over && (
                      <Badge tone="red">
                        <AlertIcon className="size-3" /> Forecast over budget
                      </Badge>
                    )}
                  </span>
                  <span className="mt-1.5 flex items-baseline gap-1.5">
                    <span className="text-xl font-semibold tracking-tight text-zinc-900 tabular-nums" data-testid="home-spend-spent">
                      {formatMicros(spent)}
                    </span>
                    <span className="text-[13px] text-zinc-500">{amount != null ? `of ${formatMicros(amount)}` : 'spent, no budget'}</span>
                  </span>
                  {budget && amount != null && (
                    <BudgetBar
                      className="mt-2.5"
                      amount={amount}
                      spent={Number(budget.spentMicros)}
                      reserved={Number(budget.reservedMicros)}
                      thresholds={budget.thresholds}
                      forecast={forecast}
                    />
                  )}
                  <span className={cx('mt-2 block text-[13px] tabular-nums', over ? 'text-red-700' : 'text-zinc-500')}>
                    Forecast {formatMicros(forecast)} by month end
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
