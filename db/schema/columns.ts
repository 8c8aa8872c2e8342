import { customType, timestamp } from 'drizzle-orm/pg-core';

export { pgTable, text, integer, bigint, jsonb, uniqueIndex, index, primaryKey, pgEnum } from 'drizzle-orm/pg-core';

/** All times are timestamptz in UTC, read as Date. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });

/**
 * A timestamptz column that the code reads and writes as epoch milliseconds: for MLflow-shaped rows
 * whose API speaks milliseconds. The schema keeps the one convention (timestamptz, UTC, millisecond
 * precision); only the mapping at this edge differs.
 */
export const timestamptzMs = customType<{ data: number; driverData: string | Date }>({
  dataType: () => 'timestamp (3) with time zone',
  toDriver: (ms) => new Date(ms).toISOString(),
  fromDriver: (value) => (value instanceof Date ? value : new Date(value)).getTime(),
});
