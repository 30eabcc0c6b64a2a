import pLimit from 'p-limit';

/**
 * Marker `$batch`es in flight at once in this process for mailboxes still being read. A `$batch` of
 * 20 takes its mailbox's 4 slots for about a second: 8 at once during a backfill slowed the import by
 * half (bench/README.md). One, because the jobs waiting for it keep it busy: the 2 jobs of before
 * paused between batches (reading the next rows, writing what was done), and 2 places kept full
 * wrote 2.6 times as many markers during the import and slowed it from 433 s to 548 s.
 */
export const CONTENDED_BATCHES = 1;

/**
 * Lets the processed markers of a mailbox with nothing left to read go as fast as the `folder.markers`
 * jobs run, and holds those of a mailbox still being read (`mailboxBeingRead` in markers.ts) to
 * `CONTENDED_BATCHES` per process (decision 0027). Markers are a courtesy: never ahead of a document.
 * The write is told which: a contended batch is sent sequential, on one of the mailbox's slots.
 */
export class MarkerGate {
  private readonly contended = pLimit(CONTENDED_BATCHES);
  private readonly beingRead: (mailboxId: string) => Promise<boolean>;
  constructor(beingRead: (mailboxId: string) => Promise<boolean>) {
    this.beingRead = beingRead;
  }

  async run<T>(mailboxId: string, write: (contended: boolean) => Promise<T>): Promise<T> {
    return (await this.beingRead(mailboxId)) ? this.contended(() => write(true)) : write(false);
  }
}
