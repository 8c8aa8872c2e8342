import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withoutTenant } from '../tenancy/with-tenant';
import { AppError } from '../errors';

export interface RateLimitRule {
  /** e.g. `signin:ip:1.2.3.4`, `apikey:key:gty_…` */
  key: string;
  limit: number;
  windowSeconds: number;
}

/**
 * Counts one hit against each rule in a fixed window shared by every process
 * (the counters live in Postgres). Throws RATE_LIMITED with the seconds until
 * the window resets when any rule is over its limit.
 */
export async function consumeRateLimit(rules: RateLimitRule[], now = new Date()): Promise<void> {
  if (rules.length === 0) return;
  await withoutTenant((tx) => consumeRateLimitIn(tx, rules, now));
}

/** Now and then, old windows are removed. */
async function pruneBuckets(tx: Tx): Promise<void> {
  if (Math.random() < 0.01) {
    await tx.execute(sql`delete from rate_limit_buckets where window_start < now() - interval '1 day'`);
  }
}

/**
 * The same inside the caller's transaction, saving a round trip. When it throws,
 * the caller's rollback also undoes this hit, which keeps the counter at the
 * limit: the client stays limited until the window resets.
 */
export async function consumeRateLimitIn(tx: Tx, rules: RateLimitRule[], now = new Date()): Promise<void> {
  const results: { rule: RateLimitRule; count: number; resetAt: number }[] = [];
  for (const rule of rules) {
    const windowMs = rule.windowSeconds * 1000;
    const start = Math.floor(now.getTime() / windowMs) * windowMs;
    const rows = await tx.execute<{ count: number }>(sql`
      insert into rate_limit_buckets (key, window_start, count)
      values (${rule.key}, ${new Date(start).toISOString()}, 1)
      on conflict (key, window_start) do update set count = rate_limit_buckets.count + 1
      returning count`);
    results.push({ rule, count: Number(rows[0]?.count ?? 1), resetAt: start + windowMs });
  }
  await pruneBuckets(tx);
  const over = results.filter((r) => r.count > r.rule.limit);
  if (over.length > 0) {
    const resetAt = Math.max(...over.map((r) => r.resetAt));
    const retryAfterSeconds = Math.max(1, Math.ceil((resetAt - now.getTime()) / 1000));
    throw new AppError('RATE_LIMITED', `Too many requests; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}

interface Lease {
  windowStart: number;
  limit: number;
  /** Hits reserved in Postgres and not yet spent by this process. */
  left: number;
  /** Size of the next reservation; doubles while requests keep coming, up to LEASE_SHARE of the limit. */
  next: number;
  /** Postgres said the window is full: nothing more until it resets. */
  full: boolean;
  pending?: Promise<void>;
}

// One set of leases per process, even when Next.js bundles a copy of this module into each route.
const g = globalThis as unknown as { __gantryRateLimitLeases?: Map<string, Lease> };
const leases = (g.__gantryRateLimitLeases ??= new Map<string, Lease>());
/** At most this share of a limit is reserved by one process at once. */
const LEASE_SHARE = 0.02;

function rateLimited(resetAt: number, now: number): AppError {
  const retryAfterSeconds = Math.max(1, Math.ceil((resetAt - now) / 1000));
  return new AppError('RATE_LIMITED', `Too many requests; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
}

/**
 * The same fixed-window limit as `consumeRateLimit`, for limits in front of every API call:
 * the process reserves hits from the shared Postgres counter in blocks and spends them
 * locally, so most calls do not touch the database. Reservations are taken atomically
 * and granted only up to the limit, so all processes together never exceed it. Hits a
 * process reserved but did not spend by the end of the window are lost to the client:
 * each process holds at most 2% of the limit (and at least one hit), so with P processes a
 * client may get up to P × 2% fewer calls than the limit, never more.
 */
export async function consumeLeasedRateLimit(rule: RateLimitRule): Promise<void> {
  for (;;) {
    const now = Date.now();
    const windowMs = rule.windowSeconds * 1000;
    const windowStart = Math.floor(now / windowMs) * windowMs;
    let lease = leases.get(rule.key);
    if (!lease || lease.windowStart !== windowStart || lease.limit !== rule.limit) {
      if (leases.size >= 10_000) pruneLeases(now);
      lease = { windowStart, limit: rule.limit, left: 0, next: 1, full: false };
      leases.set(rule.key, lease);
    }
    if (lease.left > 0) {
      lease.left--;
      return;
    }
    if (lease.full) throw rateLimited(windowStart + windowMs, now);
    // One reservation at a time per key in this process; the others wait for it and try again.
    if (!lease.pending) lease.pending = reserve(rule, lease).finally(() => (lease.pending = undefined));
    await lease.pending;
  }
}

async function reserve(rule: RateLimitRule, lease: Lease): Promise<void> {
  const want = lease.next;
  const rows = await withoutTenant(async (tx) => {
    const counted = await tx.execute<{ count: number }>(sql`
      insert into rate_limit_buckets (key, window_start, count)
      values (${rule.key}, ${new Date(lease.windowStart).toISOString()}, ${want})
      on conflict (key, window_start) do update set count = rate_limit_buckets.count + ${want}
      returning count`);
    await pruneBuckets(tx);
    return counted;
  });
  const after = Number(rows[0]?.count ?? want);
  const granted = Math.max(0, Math.min(want, rule.limit - (after - want)));
  lease.left += granted;
  lease.next = Math.min(Math.max(1, Math.floor(rule.limit * LEASE_SHARE)), want * 2);
  if (granted < want) lease.full = true;
}

/** Forgetting a lease only forgoes its unspent hits, so the map can be cut back at any time. */
function pruneLeases(now: number): void {
  for (const [key, lease] of leases) if (lease.windowStart + 3_600_000 < now || lease.full) leases.delete(key);
  for (const key of leases.keys()) {
    if (leases.size < 9_000) break;
    leases.delete(key);
  }
}
