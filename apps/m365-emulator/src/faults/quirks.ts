/**
 * Graph behaviours users hit in 2025–26 that are not faults of the network but of the service itself
 * (issue 22 §1.6). Each is off until asked for (control API `PUT /quirks`, or `moveMessage` with
 * `acrossStores`), so a test or a chaos run chooses which ones it plays.
 */
export interface Quirks {
  /**
   * A delta round in which a message left a folder and came back (A→B→A) reports only its removal from
   * the folder, not the message again: a client that trusts the round deletes a message that is there.
   */
  deltaMoveBackReportsDelete: boolean;
  /**
   * The pages of a delta round expire while the client is still paging: a `$skiptoken` older than this
   * (ms) answers 410 SyncStateNotFound, mid-round. 0 = off.
   */
  deltaPageExpiryMs: number;
  /**
   * Listing the attachments of a large message times out on Graph's side: a message whose attachments
   * total at least this many bytes answers `GET …/attachments` (and `$expand=attachments`) with
   * 504 UnknownError after `attachmentListTimeoutMs` (about 30 s on Microsoft). 0 = off.
   */
  attachmentListTimeoutBytes: number;
  attachmentListTimeoutMs: number;
  /**
   * The share (0–1) of an Outlook user's moves (control API `moveMessage`) that are drag-drops between
   * stores in Outlook desktop: the message is copied and deleted, so its immutable id changes. A single
   * move asks for it with `acrossStores: true`.
   */
  acrossStoresMoveRate: number;
}

export const DEFAULT_QUIRKS: Quirks = {
  deltaMoveBackReportsDelete: false,
  deltaPageExpiryMs: 0,
  attachmentListTimeoutBytes: 0,
  attachmentListTimeoutMs: 30_000,
  acrossStoresMoveRate: 0,
};

/** Checks a partial update; the message of what is wrong, or null. */
export function invalidQuirks(update: Record<string, unknown>): string | null {
  for (const [k, v] of Object.entries(update)) {
    if (!(k in DEFAULT_QUIRKS)) return `Unknown quirk ${k}`;
    const want = typeof DEFAULT_QUIRKS[k as keyof Quirks];
    if (typeof v !== want || (typeof v === 'number' && (v < 0 || !Number.isFinite(v))))
      return `Bad value for ${k}`;
    if (k === 'acrossStoresMoveRate' && (v as number) > 1) return 'acrossStoresMoveRate is between 0 and 1';
  }
  return null;
}
