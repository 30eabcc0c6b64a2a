/** PostgreSQL text cannot hold NUL characters; mail from the wild sometimes does. */
export function pgText<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' ? s.replaceAll('\u0000', '') : s) as T;
}
