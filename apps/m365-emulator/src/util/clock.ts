/**
 * The emulator's clock. Tests move it forward (control API `advanceClock`) to expire codes and
 * refresh tokens without sleeping.
 */
export interface Clock {
  /** Milliseconds since the epoch, shifted by the offset. */
  now(): number;
  /** Whole seconds since the epoch (JWT `iat`/`exp`). */
  nowSeconds(): number;
  advance(seconds: number): void;
  offsetSeconds(): number;
}

export function createClock(): Clock {
  let offsetMs = 0;
  return {
    now: () => Date.now() + offsetMs,
    nowSeconds: () => Math.floor((Date.now() + offsetMs) / 1000),
    advance: (seconds: number) => {
      offsetMs += Math.round(seconds * 1000);
    },
    offsetSeconds: () => offsetMs / 1000,
  };
}

/** Microsoft's token-error timestamp: `YYYY-MM-DD HH:MM:SSZ`. */
export function aadTimestamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** `2021-01-05T05:09:31.5970000Z` (7 fractional digits), as in AADSTS50173 messages. */
export function dotnetIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** Graph innerError date: `2025-02-13T10:17:05` (no zone, no fraction). */
export function graphDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, '');
}
