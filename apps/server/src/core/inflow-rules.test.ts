import { describe, expect, it } from 'vitest';
import { decideInflow, type InflowRule, type MailFacts } from './inflow-rules.ts';

const rule: InflowRule = {
  inboxId: 'claims',
  filterInflow: true,
  documentTypeId: 'claim',
  tagIds: ['email', 'email'],
  metadata: { source: 'mail' },
};
const facts = (from: string | null, headers: Record<string, string> = {}): MailFacts => ({
  from,
  headers: new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
});
const domains = ['contoso-insurance.com', 'contoso.be'];

describe('inflow rules', () => {
  it('routes an external email with the rule’s type, tags and metadata', () => {
    const d = decideInflow(rule, facts('jan.peeters@example.be'), domains);
    expect(d).toEqual({
      status: 'new',
      filterReason: null,
      evidence: null,
      inboxId: 'claims',
      documentTypeId: 'claim',
      tagIds: ['email'],
      metadata: { source: 'mail' },
    });
  });

  it('filters internal senders, subdomains included, case-insensitively', () => {
    expect(decideInflow(rule, facts('Lynne.Robbins@CONTOSO-insurance.com'), domains).filterReason).toBe(
      'internal_sender',
    );
    expect(decideInflow(rule, facts('a@mail.contoso.be'), domains).filterReason).toBe('internal_sender');
    expect(decideInflow(rule, facts('a@notcontoso.be'), domains).status).toBe('new');
  });

  it.each([
    [{ 'Auto-Submitted': 'auto-replied' }, 'auto_reply'],
    [{ 'Auto-Submitted': 'auto-generated' }, 'automated'],
    [{ 'X-Autoreply': 'yes' }, 'auto_reply'],
    [{ Precedence: 'bulk' }, 'bulk_mail'],
    [{ Precedence: 'list' }, 'list_mail'],
    [{ Precedence: 'junk' }, 'bulk_mail'],
    [{ 'List-Unsubscribe': '<mailto:u@news.example>' }, 'bulk_mail'],
    [{ 'List-Id': 'claims.lists.example' }, 'list_mail'],
    [{ 'Content-Type': 'multipart/report; report-type=delivery-status; boundary="x"' }, 'delivery_report'],
    [{ 'X-Failed-Recipients': 'x@example.com' }, 'delivery_report'],
  ] as const)('filters automated mail: %o → %s', (headers, reason) => {
    expect(decideInflow(rule, facts('someone@example.be', headers), domains).filterReason).toBe(reason);
  });

  it('filters mailer-daemon and postmaster, and keeps Auto-Submitted: no', () => {
    expect(decideInflow(rule, facts('MAILER-DAEMON@example.be'), domains).filterReason).toBe('mailer_daemon');
    expect(decideInflow(rule, facts('postmaster@example.be'), domains).filterReason).toBe('mailer_daemon');
    expect(decideInflow(rule, facts('x@example.be', { 'Auto-Submitted': 'no' }), domains).status).toBe('new');
  });

  it('filters nothing when the rule does not filter', () => {
    const d = decideInflow(
      { ...rule, filterInflow: false },
      facts('postmaster@contoso-insurance.com', { Precedence: 'bulk' }),
      domains,
    );
    expect(d.status).toBe('new');
  });
});
