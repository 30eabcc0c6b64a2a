import { sql } from 'drizzle-orm';

/**
 * Arrays as one bound parameter (a PostgreSQL array literal) rather than one parameter per element:
 * `= any(…)` and `unnest(…)` then cost the same whatever the list's length, on both PostgreSQL and
 * PGlite. Only for values that cannot hold a comma or a brace (uuids, integers).
 */
export const uuidArray = (ids: readonly string[]) => sql`${`{${ids.join(',')}}`}::uuid[]`;
const wholeNumbers = (ns: readonly number[]) => `{${ns.map((n) => Math.trunc(n)).join(',')}}`;
export const intArray = (ns: readonly number[]) => sql`${wholeNumbers(ns)}::int[]`;
/** Whole numbers past 32 bits (epoch milliseconds) as one `bigint[]` parameter. */
export const bigintArray = (ns: readonly number[]) => sql`${wholeNumbers(ns)}::bigint[]`;
