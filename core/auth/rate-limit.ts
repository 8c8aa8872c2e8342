import { sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { withoutTenant } from '../../db/with-tenant';
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
  if (Math.random() < 0.01) {
    await tx.execute(sql`delete from rate_limit_buckets where window_start < now() - interval '1 day'`);
  }
  const over = results.filter((r) => r.count > r.rule.limit);
  if (over.length > 0) {
    const resetAt = Math.max(...over.map((r) => r.resetAt));
    const retryAfterSeconds = Math.max(1, Math.ceil((resetAt - now.getTime()) / 1000));
    throw new AppError('RATE_LIMITED', `Too many requests; try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
