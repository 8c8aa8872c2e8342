'use client';

import { useSearchParams } from 'next/navigation';
import { graphql } from '@/app/gql';
import type { BillingPageQuery, PaidBillingPlan } from '@/app/gql/graphql';
import { Badge, Banner, Button, Card, CardBody, CardHeader, LoadError, PageHeader, Skeleton } from '@/app/components/ui';
import { formatDate } from '@/app/lib/format';
import { useGqlMutation, useGqlQuery } from '@/app/lib/gql-hooks';
import { useCan } from '@/app/lib/viewer';
import { formatMicros } from '@/rules/money';
import { ApiErrorBanner } from '../../models/editors';

const BillingQuery = graphql(`
  query BillingPage {
    billing {
      enabled
      plan
      planName
      limitsEnforced
      platformFee
      limits {
        seats
        clusters
        concurrentJobs
      }
      usage {
        seats
        clusters
        concurrentJobs
      }
      subscription {
        status
        currentPeriodEnd
        cancelAtPeriodEnd
        lastInvoiceStatus
        lastInvoiceAt
      }
      hasCustomer
      plans {
        plan
        name
        platformFee
        limits {
          seats
          clusters
          concurrentJobs
        }
      }
    }
  }
`);
const StartCheckout = graphql(`
  mutation StartCheckout($plan: PaidBillingPlan!) {
    startCheckout(plan: $plan)
  }
`);
const OpenPortal = graphql(`
  mutation OpenBillingPortal {
    openBillingPortal
  }
`);

type Billing = BillingPageQuery['billing'];
type Limits = Billing['limits'];

const LIMIT_ROWS: { key: keyof Omit<Limits, '__typename'>; label: string }[] = [
  { key: 'seats', label: 'Members' },
  { key: 'clusters', label: 'Connected clusters' },
  { key: 'concurrentJobs', label: 'Jobs running at once' },
];

const fee = (micros: string) => (micros === '0' ? 'No platform fee' : `${formatMicros(micros)} / month`);
const limitText = (n: number | null | undefined) => (n == null ? 'Unlimited' : String(n));

function UsageRow({ label, used, limit, enforced }: { label: string; used: number; limit: number | null | undefined; enforced: boolean }) {
  const pct = limit ? Math.min(100, Math.round((used / limit) * 100)) : 0;
  const full = enforced && limit != null && used >= limit;
  return (
    <div className="px-5 py-3.5" data-testid={`usage-${label}`}>
      <div className="flex items-baseline justify-between text-sm">
        <span className="text-zinc-600">{label}</span>
        <span className="tabular-nums text-zinc-900">
          {used} <span className="text-zinc-400">of {limitText(limit)}</span>
        </span>
      </div>
      {limit != null && (
        <div className="mt-2 h-1.5 overflow-hidden rounded-full bg-zinc-100">
          <div className={full ? 'h-full bg-red-500' : 'h-full bg-zinc-800'} style={{ width: `${pct}%` }} />
        </div>
      )}
    </div>
  );
}

export function BillingView() {
  const canManage = useCan('BILLING_MANAGE');
  const params = useSearchParams();
  const { data, isLoading, error, refetch } = useGqlQuery(BillingQuery, {}, { refetchInterval: params.get('checkout') === 'success' ? 5_000 : false });
  const checkout = useGqlMutation(StartCheckout, { onSuccess: (d) => void (window.location.href = d.startCheckout) });
  const portal = useGqlMutation(OpenPortal, { onSuccess: (d) => void (window.location.href = d.openBillingPortal) });
  const b = data?.billing;

  return (
    <>
      <PageHeader title="Billing" description="Your organization’s plan, what it allows, and what you use of it." />
      <div className="space-y-6">
        {error ? (
          <LoadError error={error} onRetry={() => void refetch()} />
        ) : isLoading || !b ? (
          <Card>
            <div className="space-y-4 p-5">
              <Skeleton className="h-5 w-1/3" />
              <Skeleton className="h-4 w-1/2" />
            </div>
          </Card>
        ) : (
          <>
            {!b.enabled && (
              <Banner tone="info" title="Billing is off on this installation">
                No Stripe key is configured (<code className="font-mono text-[13px]">STRIPE_SECRET_KEY</code>), so no plan is sold here and no plan limit applies. Every
                organization uses the platform without limits.
              </Banner>
            )}
            {params.get('checkout') === 'success' && b.enabled && b.plan === 'free' && (
              <Banner tone="info" title="Payment received by Stripe">
                Your plan changes as soon as Stripe confirms the subscription; this page refreshes until it does.
              </Banner>
            )}
            {params.get('checkout') === 'cancelled' && <Banner tone="warning" title="Checkout cancelled">Nothing was charged and your plan is unchanged.</Banner>}
            {b.subscription?.lastInvoiceStatus === 'payment_failed' && (
              <Banner tone="error" title="The last payment failed">
                Stripe will try again. Update the payment method with Manage billing to keep the {b.planName} plan.
              </Banner>
            )}

            <Card>
              <CardHeader
                title={
                  <span className="flex items-center gap-2">
                    Current plan
                    <Badge tone={b.plan === 'free' ? 'neutral' : 'green'}>
                      <span data-testid="current-plan">{b.planName}</span>
                    </Badge>
                  </span>
                }
                description={
                  b.subscription?.status && b.plan !== 'free'
                    ? `${fee(b.platformFee)} plus seats · ${b.subscription.cancelAtPeriodEnd ? 'ends' : 'renews'} ${formatDate(b.subscription.currentPeriodEnd)}`.replace(/ · (ends|renews) —$/, '')
                    : fee(b.platformFee)
                }
                actions={
                  b.enabled && canManage && b.hasCustomer ? (
                    <Button variant="secondary" onClick={() => portal.mutate({})} loading={portal.isPending}>
                      Manage billing
                    </Button>
                  ) : undefined
                }
              />
              <div className="divide-y divide-zinc-100">
                {LIMIT_ROWS.map((r) => (
                  <UsageRow key={r.key} label={r.label} used={b.usage[r.key]} limit={b.limitsEnforced ? b.limits[r.key] : null} enforced={b.limitsEnforced} />
                ))}
              </div>
              {b.subscription?.status && (
                <CardBody className="border-t border-zinc-100 text-[13px] text-zinc-500">
                  Subscription {b.subscription.status.replace('_', ' ')}
                  {b.subscription.lastInvoiceStatus && ` · last invoice ${b.subscription.lastInvoiceStatus.replace('_', ' ')} ${formatDate(b.subscription.lastInvoiceAt)}`}
                </CardBody>
              )}
            </Card>

            {(checkout.error || portal.error) && <ApiErrorBanner error={checkout.error ?? portal.error} />}

            {b.enabled && (
              <div className="grid gap-4 sm:grid-cols-3">
                {b.plans.map((p) => {
                  const current = p.plan === b.plan;
                  return (
                    <Card key={p.plan} className={current ? 'border-zinc-900' : undefined}>
                      <CardHeader title={p.name} description={fee(p.platformFee)} />
                      <CardBody className="space-y-3">
                        <ul className="space-y-1 text-sm text-zinc-600">
                          {LIMIT_ROWS.map((r) => (
                            <li key={r.key} className="flex justify-between">
                              <span>{r.label}</span>
                              <span className="tabular-nums text-zinc-900">{limitText(p.limits[r.key])}</span>
                            </li>
                          ))}
                        </ul>
                        {current ? (
                          <p className="text-sm font-medium text-zinc-900">Your plan</p>
                        ) : p.plan === 'free' ? (
                          <p className="text-sm text-zinc-500">{b.plan === 'free' ? '' : 'Cancel with Manage billing to return to Free'}</p>
                        ) : b.plan === 'free' ? (
                          <Button onClick={() => checkout.mutate({ plan: p.plan as PaidBillingPlan })} loading={checkout.isPending && checkout.variables?.plan === p.plan} disabled={canManage === false}>
                            Subscribe to {p.name}
                          </Button>
                        ) : (
                          <p className="text-sm text-zinc-500">Change plans with Manage billing</p>
                        )}
                      </CardBody>
                    </Card>
                  );
                })}
              </div>
            )}
            {b.enabled && canManage === false && <p className="text-sm text-zinc-500">Only admins and owners subscribe or change the plan.</p>}
          </>
        )}
      </div>
    </>
  );
}
