import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { index, pgTable, text, timestamptz } from './columns';
import { orgIdColumn } from './org-column';
import { runs } from './tracking';
import { users } from './users';

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    /** The user the key acts for; its permissions never exceed this user's. */
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Public lookup part, e.g. `gty_ab12cd34ef56`: shown in lists. */
    prefix: text('prefix').notNull().unique(),
    /** sha256 of the whole key. */
    secretHash: text('secret_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at'),
    revokedAt: timestamptz('revoked_at'),
    lastUsedAt: timestamptz('last_used_at'),
    lastUsedIp: text('last_used_ip'),
    /** Set for the key a job's code logs with: it may write to this run only. */
    runId: text('run_id').references((): AnyPgColumn => runs.id, { onDelete: 'cascade' }),
  },
  (t) => [index('api_keys_org_idx').on(t.orgId)],
);

export type ApiKey = typeof apiKeys.$inferSelect;
