/**
 * Inflow rules (product §4): given what an email says about itself (sender, headers) and the rule of
 * the folder it arrived in, decide whether it becomes a document in the rule's inbox or is filtered,
 * and what type, tags and metadata it gets. Pure: the headers are parsed from the stored `.eml` by the
 * caller (sync/inflow.ts). Used at ingestion and again when a document is reprocessed.
 */

export interface InflowRule {
  inboxId: string;
  filterInflow: boolean;
  documentTypeId: string | null;
  tagIds: string[];
  metadata: Record<string, string>;
}

export interface MailFacts {
  /** Sender address (From, else Sender). */
  from: string | null;
  /** Header name (lower case) → raw value of its first occurrence. */
  headers: ReadonlyMap<string, string>;
}

/** Stable codes; the UI words them ("filtered: internal sender"). */
export const filterReasons = [
  'internal_sender',
  'auto_reply',
  'automated',
  'delivery_report',
  'mailer_daemon',
  'bulk_mail',
  'list_mail',
] as const;
export type FilterReason = (typeof filterReasons)[number];

export interface InflowDecision {
  status: 'new' | 'filtered';
  filterReason: FilterReason | null;
  /** What in the email led to the reason, for the history ("Auto-Submitted: auto-replied"). */
  evidence: string | null;
  inboxId: string;
  documentTypeId: string | null;
  tagIds: string[];
  metadata: Record<string, string>;
}

const DAEMONS = /^(mailer-daemon|mail-daemon|postmaster|maildaemon)$/i;

/** Why an email is automated mail, or null. Order matters: the most specific reason first. */
export function automatedReason(facts: MailFacts): { reason: FilterReason; evidence: string } | null {
  const h = (name: string) => facts.headers.get(name)?.trim();
  const local = facts.from?.split('@')[0] ?? '';
  if (DAEMONS.test(local)) return { reason: 'mailer_daemon', evidence: `From: ${facts.from}` };
  const type = h('content-type') ?? '';
  if (
    /^multipart\/report/i.test(type) &&
    /report-type\s*=\s*"?(delivery-status|disposition-notification)/i.test(type)
  )
    return { reason: 'delivery_report', evidence: `Content-Type: ${type.slice(0, 120)}` };
  if (h('x-failed-recipients')) return { reason: 'delivery_report', evidence: 'X-Failed-Recipients' };
  const auto = h('auto-submitted');
  if (auto && auto.toLowerCase() !== 'no')
    return {
      reason: /auto-replied/i.test(auto) ? 'auto_reply' : 'automated',
      evidence: `Auto-Submitted: ${auto.slice(0, 60)}`,
    };
  if (h('x-autoreply') || h('x-autorespond'))
    return { reason: 'auto_reply', evidence: h('x-autoreply') ? 'X-Autoreply' : 'X-Autorespond' };
  const precedence = h('precedence')?.toLowerCase();
  if (precedence === 'auto_reply') return { reason: 'auto_reply', evidence: 'Precedence: auto_reply' };
  if (precedence === 'bulk' || precedence === 'junk')
    return { reason: 'bulk_mail', evidence: `Precedence: ${precedence}` };
  if (precedence === 'list') return { reason: 'list_mail', evidence: 'Precedence: list' };
  if (h('list-unsubscribe')) return { reason: 'bulk_mail', evidence: 'List-Unsubscribe' };
  if (h('list-id')) return { reason: 'list_mail', evidence: 'List-Id' };
  return null;
}

/** The sender's domain is one of the internal domains, or a subdomain of one. */
export function internalDomainOf(from: string | null, internalDomains: readonly string[]): string | null {
  const domain = from?.split('@')[1]?.trim().toLowerCase().replace(/\.$/, '');
  if (!domain) return null;
  return (
    internalDomains.map((d) => d.toLowerCase()).find((d) => domain === d || domain.endsWith(`.${d}`)) ?? null
  );
}

export function decideInflow(
  rule: InflowRule,
  facts: MailFacts,
  internalDomains: readonly string[],
): InflowDecision {
  const routed = {
    inboxId: rule.inboxId,
    documentTypeId: rule.documentTypeId,
    tagIds: [...new Set(rule.tagIds)],
    metadata: { ...rule.metadata },
  };
  if (rule.filterInflow) {
    const automated = automatedReason(facts);
    if (automated)
      return { status: 'filtered', filterReason: automated.reason, evidence: automated.evidence, ...routed };
    const internal = internalDomainOf(facts.from, internalDomains);
    if (internal)
      return {
        status: 'filtered',
        filterReason: 'internal_sender',
        evidence: `${facts.from} (${internal})`,
        ...routed,
      };
  }
  return { status: 'new', filterReason: null, evidence: null, ...routed };
}
