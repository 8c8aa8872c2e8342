import { pgTable, text, timestamptz } from './columns';

/** Global identities. Not tenant-scoped: a user belongs to organizations via memberships. */
export const users = pgTable('users', {
  id: text('id').primaryKey(),
  /** Lower-cased on write. */
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

export type User = typeof users.$inferSelect;
