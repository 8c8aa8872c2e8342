import { integer, pgTable, primaryKey, text, timestamptz } from './columns';

/** Fixed-window counters shared by every web process. Not tenant data. */
export const rateLimitBuckets = pgTable(
  'rate_limit_buckets',
  {
    key: text('key').notNull(),
    windowStart: timestamptz('window_start').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.key, t.windowStart] })],
);
