import { timestamp } from 'drizzle-orm/pg-core';

export { pgTable, text, integer, bigint, jsonb, uniqueIndex, index, primaryKey, pgEnum } from 'drizzle-orm/pg-core';

/** All times are timestamptz in UTC, read as Date. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
