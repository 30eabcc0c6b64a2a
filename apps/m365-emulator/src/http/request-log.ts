/** One request the emulator served (control API `requests`), for tests to count calls. */
export interface RequestLogEntry {
  seq: number;
  /** ISO time (emulator clock). */
  time: string;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path with query string. */
  url: string;
  status: number;
  area: 'entra' | 'graph' | 'control' | 'other';
  tenantId?: string;
  clientId?: string;
  userId?: string;
  /** Graph mail calls: the mailbox addressed (user id), for per-mailbox request counts. */
  mailboxId?: string;
  requestId: string;
  durationMs: number;
  /** One of a `$batch`'s inner requests (Microsoft counts each against its limits; HTTP-wise it is part of the batch). */
  inBatch?: boolean;
}

/** A bounded in-memory log of served requests. */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;
  private readonly max: number;

  constructor(max = 100_000) {
    this.max = max;
  }

  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.entries.push({ seq: ++this.seq, ...entry });
    // Trim in chunks: splicing one entry off a full 100,000-entry array on every request is O(n).
    if (this.entries.length > this.max + this.max / 10)
      this.entries.splice(0, this.entries.length - this.max);
  }

  list(filter: { sinceSeq?: number; area?: string; mailboxId?: string } = {}): RequestLogEntry[] {
    return this.entries.filter(
      (e) =>
        (filter.sinceSeq === undefined || e.seq > filter.sinceSeq) &&
        (!filter.area || e.area === filter.area) &&
        (!filter.mailboxId || e.mailboxId === filter.mailboxId),
    );
  }

  lastSeq(): number {
    return this.seq;
  }

  clear(): void {
    this.entries = [];
  }
}
