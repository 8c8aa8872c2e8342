/**
 * PostgreSQL array literals, for statements that send many rows as a few array parameters
 * (`unnest($1::text[], ...)`): arrays parse much faster in PostgreSQL, and cost far less to build
 * here, than the same rows as one parameter per value.
 */

/** Strings (or NULL), each element quoted. */
export const textArray = (xs: readonly (string | null)[]) => `{${xs.map((x) => (x === null ? 'NULL' : `"${x.replace(/["\\]/g, '\\$&')}"`)).join(',')}}`;

/** Doubles travel as text so NaN and ±Infinity survive; JS's shortest round-trip form parses back to the same double. */
export const doubleText = (v: number) => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : String(v));

/** Numbers (integers or doubles), unquoted. */
export const numberArray = (xs: readonly number[]) => `{${xs.map(doubleText).join(',')}}`;
