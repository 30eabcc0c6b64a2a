/** A thrown value as an Error (what pg-boss records as a failed job's output, with message and stack). */
export function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
