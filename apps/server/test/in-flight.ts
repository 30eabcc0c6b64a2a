import type { MailboxPacer } from '../src/microsoft/pacer.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Counts the requests in flight through one or more pacers (processes sharing a mailbox share one
 * counter) and the most there ever were at once: what Microsoft would count.
 */
export class InFlight {
  now = 0;
  max = 0;
  /** A request of `weight` slots lasting `ms`, run through `pacer` on `key`. */
  run(pacer: MailboxPacer, key: string, ms: number, weight = 1): Promise<void> {
    return pacer.run(
      key,
      async () => {
        this.now += weight;
        this.max = Math.max(this.max, this.now);
        await sleep(ms);
        this.now -= weight;
      },
      { weight },
    );
  }
}
