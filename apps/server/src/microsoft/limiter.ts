/**
 * At most `limit` Graph requests in flight per mailbox in this process. Microsoft allows 4 concurrent
 * requests per app per mailbox; going over earns 429 "MailboxConcurrency" for everyone.
 * (Across processes: see docs/decisions/0005 — each worker process gets its share.)
 */
export class KeyedLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    await this.acquire(key);
    try {
      return await fn();
    } finally {
      this.release(key);
    }
  }

  private acquire(key: string): Promise<void> {
    const n = this.active.get(key) ?? 0;
    if (n < this.limit) {
      this.active.set(key, n + 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const q = this.waiting.get(key) ?? [];
      q.push(resolve);
      this.waiting.set(key, q);
    });
  }

  private release(key: string): void {
    const q = this.waiting.get(key);
    const next = q?.shift();
    if (next) {
      // The slot passes straight to the next waiter.
      if (q!.length === 0) this.waiting.delete(key);
      next();
      return;
    }
    const n = (this.active.get(key) ?? 1) - 1;
    if (n <= 0) this.active.delete(key);
    else this.active.set(key, n);
  }
}
