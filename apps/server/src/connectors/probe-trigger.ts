import { KeyedCoalescer } from '../lib/coalesce.ts';

/**
 * A health probe at once when sync sees a sign that a connection's access may be gone (a refused
 * token, a 401 or a 403: `isAccessSignal`), instead of waiting for the connector's next scheduled
 * probe (issue 19 §4). Coalesced per connector: the signals of `delayMs` make one probe, and after a
 * probe further signals are ignored for `minGapMs`, so a storm of refused requests costs one probe,
 * not one each. Probes run in this process; a signal lost in a crash is covered by the probe chain.
 */
export class ProbeTrigger {
  private readonly lastProbe = new Map<string, number>();
  private readonly coalescer: KeyedCoalescer;
  private readonly minGapMs: number;
  private readonly now: () => number;

  constructor(opts: {
    delayMs: number;
    minGapMs: number;
    probe: (connectorId: string) => Promise<unknown>;
    onError: (connectorId: string, err: unknown) => void;
    now?: () => number;
  }) {
    this.minGapMs = opts.minGapMs;
    this.now = opts.now ?? Date.now;
    this.coalescer = new KeyedCoalescer(
      opts.delayMs,
      async (connectorId) => {
        this.lastProbe.set(connectorId, this.now());
        await opts.probe(connectorId);
      },
      opts.onError,
    );
  }

  /** Sync saw a possible loss of access on this connector's connection. */
  signal(connectorId: string): void {
    const last = this.lastProbe.get(connectorId);
    if (last !== undefined && this.now() - last < this.minGapMs) return;
    this.coalescer.call(connectorId);
  }

  close(): void {
    this.coalescer.close();
  }
}
