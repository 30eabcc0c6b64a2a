/**
 * Runs `fn(key)` once, `delayMs` after the first of any number of calls for that key; a call made
 * while `fn` runs schedules it once more. Used for work that covers everything up to the moment it
 * starts (a folder's marker round): 200 documents finished within a second cost one queued job, not
 * 200 inserts into the queue. Pending calls are dropped by `close()`; callers keep a safety net for
 * them (the folder's next delta round queues unwritten markers).
 */
export class KeyedCoalescer {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private closed = false;
  private readonly delayMs: number;
  private readonly fn: (key: string) => Promise<void>;
  private readonly onError: (key: string, err: unknown) => void;
  constructor(
    delayMs: number,
    fn: (key: string) => Promise<void>,
    onError: (key: string, err: unknown) => void,
  ) {
    this.delayMs = delayMs;
    this.fn = fn;
    this.onError = onError;
  }

  call(key: string): void {
    if (this.closed || this.pending.has(key)) return;
    const timer = setTimeout(() => {
      this.pending.delete(key);
      this.fn(key).catch((err: unknown) => this.onError(key, err));
    }, this.delayMs);
    timer.unref();
    this.pending.set(key, timer);
  }

  close(): void {
    this.closed = true;
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }
}
