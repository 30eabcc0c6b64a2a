// `npm run chaos`, webhooks (issue 21): a receiver that fails a share of deliveries — 500s, no answer
// within Mailroom's timeout, connections closed — and answers some slowly, while Mailroom is killed;
// then, from Mailroom's outbox and the receiver's log: every `document.created` event reached the
// receiver at least once, duplicates only with the same `webhook-id`, none lost.
import type pg from 'pg';
import type { Answer, WebhookReceiver } from './webhook-receiver.ts';

/**
 * `failShare` of requests fail: half answered 500, a third left without an answer until well past
 * Mailroom's timeout (`timeoutMs`), a sixth closed at once; 10 % more succeed slowly (within the timeout).
 * A webhook-id fails `maxFailures` (6) times at most: at 30 %, 10,000 events had about one chance in
 * five that one of them failed 9 times in a row, and Mailroom's growing waits (webhooks/retry-schedule.ts;
 * with the run's 0.1 s first wait, the 10th attempt comes 16 minutes after the first) then outlasted
 * the run's settle time: a failure of the run's dice, not of Mailroom.
 */
export function failingBehaviour(
  failShare: number,
  timeoutMs: number,
  maxFailures = 6,
): (n: number, attempt: number) => Answer {
  return (_n, attempt) => {
    if (attempt > maxFailures) return { kind: 'ok' };
    const r = Math.random();
    if (r < failShare / 2) return { kind: 'error' };
    if (r < (failShare * 5) / 6) return { kind: 'timeout', delayMs: timeoutMs + 500 };
    if (r < failShare) return { kind: 'reset' };
    if (r < failShare + 0.1)
      return { kind: 'slow', delayMs: Math.round(timeoutMs * (0.15 + 0.6 * Math.random())) };
    return { kind: 'ok' };
  };
}

/** Everything settled: no delivery pending, and every `document.created` event accepted by the receiver. */
export async function webhooksSettled(
  sql: pg.Pool,
  receiver: WebhookReceiver,
): Promise<{ settled: boolean; events: number; reached: number; pending: number }> {
  const ev = await sql.query<{ id: string }>(`select id from events where type = 'document.created'`);
  const pending = await sql.query<{ n: number }>(
    `select count(*)::int as n from webhook_deliveries where state = 'pending'`,
  );
  const reached = ev.rows.filter((e) => (receiver.byId.get(`msg_${e.id}`)?.accepted ?? 0) > 0).length;
  const p = pending.rows[0]?.n ?? 0;
  return { settled: p === 0 && reached === ev.rows.length, events: ev.rows.length, reached, pending: p };
}

export interface WebhookChaosCounts {
  /** `document.created` events in Mailroom's outbox. */
  events: number;
  /** …accepted (a 2xx) by the receiver at least once. */
  reached: number;
  /** Not reached, and nothing will try again: no delivery, or failed, or "succeeded" without a 2xx here. */
  lost: number;
  /** Not reached yet, its delivery still pending (retrying) when the settle time ran out. */
  stuck: number;
  /** webhook-ids accepted more than once, and the extra copies (at least once: allowed). */
  duplicatedIds: number;
  extraCopies: number;
  /** Documents whose `document.created` reached the receiver under more than one webhook-id (must be 0). */
  duplicatedUnderAnotherId: number;
  /** webhook-ids the receiver accepted that are no `document.created` event of the outbox (must be 0). */
  unexpected: number;
  /** Documents in an inbox (not filtered) without a `document.created` event (must be 0). */
  documentsWithoutEvent: number;
  badSignatures: number;
  signaturesVerified: number;
  requests: number;
  answers: WebhookReceiver['answers'];
  /** Attempts Mailroom recorded, by outcome; deliveries by state. */
  attemptsRecorded: number;
  deliveriesByState: Record<string, number>;
  examples: { lost: string[]; stuck: string[]; duplicatedUnderAnotherId: string[]; unexpected: string[] };
}

/** The counts, from the database (Mailroom stopped) and the receiver's log. */
export async function webhookChaosCounts(
  sql: pg.Pool,
  receiver: WebhookReceiver,
): Promise<WebhookChaosCounts> {
  const ev = await sql.query<{ id: string; document: string; state: string | null }>(
    `select e.id, e.subject_id as document, d.state from events e left join webhook_deliveries d on d.event_id = e.id where e.type = 'document.created'`,
  );
  const docs = await sql.query<{ n: number }>(
    `select count(*)::int as n from documents d where d.status <> 'filtered' and not exists (select 1 from events e where e.type = 'document.created' and e.subject_id = d.id::text)`,
  );
  const states = await sql.query<{ state: string; n: number }>(
    `select state, count(*)::int as n from webhook_deliveries group by 1`,
  );
  const attempts = await sql.query<{ n: number }>(`select count(*)::int as n from webhook_attempts`);
  const known = new Set(ev.rows.map((e) => `msg_${e.id}`));
  const lost: string[] = [];
  const stuck: string[] = [];
  let reached = 0;
  for (const e of ev.rows) {
    const w = receiver.byId.get(`msg_${e.id}`);
    if (w && w.accepted > 0) reached++;
    else if (e.state === 'pending') stuck.push(e.id);
    else lost.push(`${e.id} (delivery ${e.state ?? 'missing'}, ${w?.requests ?? 0} requests)`);
  }
  const idsOfDocument = new Map<string, Set<string>>();
  const unexpected: string[] = [];
  let duplicatedIds = 0;
  let extraCopies = 0;
  for (const w of receiver.byId.values()) {
    if (w.accepted === 0) continue;
    if (!known.has(w.id)) unexpected.push(w.id);
    if (w.accepted > 1) {
      duplicatedIds++;
      extraCopies += w.accepted - 1;
    }
    const doc = typeof w.data.documentId === 'string' ? w.data.documentId : undefined;
    if (w.type !== 'document.created' || !doc) continue;
    const set = idsOfDocument.get(doc) ?? new Set<string>();
    set.add(w.id);
    idsOfDocument.set(doc, set);
  }
  const underAnother = [...idsOfDocument]
    .filter(([, ids]) => ids.size > 1)
    .map(([doc, ids]) => `${doc}: ${[...ids].join(', ')}`);
  return {
    events: ev.rows.length,
    reached,
    lost: lost.length,
    stuck: stuck.length,
    duplicatedIds,
    extraCopies,
    duplicatedUnderAnotherId: underAnother.length,
    unexpected: unexpected.length,
    documentsWithoutEvent: docs.rows[0]?.n ?? 0,
    badSignatures: receiver.badSignatures,
    signaturesVerified: receiver.verified,
    requests: receiver.requests,
    answers: { ...receiver.answers },
    attemptsRecorded: attempts.rows[0]?.n ?? 0,
    deliveriesByState: Object.fromEntries(states.rows.map((r) => [r.state, r.n])),
    examples: {
      lost: lost.slice(0, 20),
      stuck: stuck.slice(0, 20),
      duplicatedUnderAnotherId: underAnother.slice(0, 20),
      unexpected: unexpected.slice(0, 20),
    },
  };
}
