import { randomBytes } from 'node:crypto';
import type { ChangeType, Removal } from './model.ts';

/** What the first delta call asked for; encoded (server-side) into every following link. */
export interface DeltaQuery {
  mailboxId: string;
  folderNo: number;
  select: string[] | null;
  received?: { ms: number; inclusive: boolean };
  changeType?: ChangeType;
  /** `$top` caps the whole round (not the page). */
  top?: number;
  /** `$expand=singleValueExtendedProperties($filter=id eq '…')`, kept for every page. */
  expand?: string;
}

export type RoundItem = { removed: Removal } | { no: number; created: boolean };

/** One sync state: a finished round (deltaLink) or a position inside a round (nextLink). */
export interface SyncState {
  kind: 'delta' | 'skip';
  generation: number;
  query: DeltaQuery;
  /** Changes after this mailbox sequence belong to the round... */
  sinceSeq: number;
  /** ...up to this one (the mailbox sequence when the round started). */
  upToSeq: number;
  items?: RoundItem[];
  pos: number;
}

/**
 * Exchange keeps delta sync states in a cache and evicts them without notice (reference §2.3):
 * an evicted token answers 410 SyncStateNotFound. Tokens here are opaque keys into a bounded map
 * that the control API can also empty on purpose.
 */
export class DeltaTokens {
  private readonly states = new Map<string, SyncState>();
  /** When each token was handed out (real time: the page-expiry quirk counts from it). */
  private readonly madeMs = new Map<string, number>();
  private generation = 0;
  private readonly max: number;

  constructor(max = 200_000) {
    this.max = max;
  }

  nextGeneration(): number {
    return ++this.generation;
  }

  put(state: SyncState): string {
    const token = `${state.generation.toString(36)}.${randomBytes(18).toString('base64url')}`;
    this.states.set(token, state);
    this.madeMs.set(token, Date.now());
    if (this.states.size > this.max) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) {
        this.states.delete(oldest);
        this.madeMs.delete(oldest);
      }
    }
    return token;
  }

  get(token: string): SyncState | undefined {
    return this.states.get(token);
  }

  /** How long ago (ms) a token was handed out; 0 for one we do not know. */
  ageMs(token: string): number {
    const made = this.madeMs.get(token);
    return made === undefined ? 0 : Date.now() - made;
  }

  /** Forgets tokens (all, or one mailbox's, or one folder's); returns how many. */
  evict(filter: { mailboxId?: string; folderNo?: number } = {}): number {
    let n = 0;
    for (const [k, s] of this.states) {
      if (filter.mailboxId && s.query.mailboxId !== filter.mailboxId) continue;
      if (filter.folderNo !== undefined && s.query.folderNo !== filter.folderNo) continue;
      this.states.delete(k);
      this.madeMs.delete(k);
      n++;
    }
    return n;
  }

  size(): number {
    return this.states.size;
  }

  /** The generation number a token claims (for the 410 message), if it looks like ours. */
  static generationOf(token: string): string {
    const g = token.split('.')[0] ?? '';
    return /^[0-9a-z]+$/.test(g) ? String(parseInt(g, 36)) : '0';
  }
}
