import type { OutflowAction } from '@mailroom/contracts';
import { describe, expect, it } from 'vitest';
import {
  actionsFor,
  outflowPermissions,
  permanentReason,
  requiredPermissions,
  retryDelaySeconds,
  withIds,
} from './outflow-policy.ts';

const cat = (on: OutflowAction['on'], id?: string): OutflowAction => ({
  ...(id ? { id } : {}),
  on,
  kind: 'category',
  category: 'Done',
  color: 'preset0',
});

describe('outflow policy', () => {
  it('keeps saved ids, gives new actions one, and splits a copied id', () => {
    let n = 0;
    const out = withIds(
      [cat('document.approved', 'a'), cat('document.created'), cat('document.bounced', 'a')],
      () => `new-${++n}`,
    );
    expect(out.map((a) => a.id)).toEqual(['a', 'new-1', 'new-2']);
  });

  it("picks the rule's and the inbox's actions for the event only", () => {
    const picked = actionsFor(
      'document.approved',
      [cat('document.approved', 'r1'), cat('document.bounced', 'r2')],
      [cat('document.approved', 'i1')],
    );
    expect(picked.map((p) => [p.source, p.action.id])).toEqual([
      ['rule', 'r1'],
      ['inbox', 'i1'],
    ]);
    expect(actionsFor('document.deleted', null, null)).toEqual([]);
  });

  it("asks for the .Shared permissions on another person's mailbox with delegated access only", () => {
    expect(requiredPermissions('forward', 'delegated', false)).toEqual([
      'Mail.ReadWrite.Shared',
      'Mail.Send.Shared',
    ]);
    expect(requiredPermissions('forward', 'delegated', true)).toEqual(['Mail.ReadWrite', 'Mail.Send']);
    expect(requiredPermissions('move', 'own_app', false)).toEqual(['Mail.ReadWrite']);
  });

  it('says what is missing, case-insensitively, and "not known" without grants', () => {
    const granted = new Set(['mail.readwrite', 'mailboxsettings.read']);
    expect(outflowPermissions(granted, 'organization', false)).toEqual({
      known: true,
      missing: { category: [], forward: ['Mail.Send'], move: [] },
      canCreateCategories: false,
    });
    expect(outflowPermissions(null, 'organization', false).known).toBe(false);
  });

  it('does not judge an app that reads mail through RBAC for Applications by its token', () => {
    // Entra gave it directory permissions only: mail comes through Exchange role assignments.
    const directoryOnly = new Set(['user.read.all', 'organization.read.all']);
    expect(outflowPermissions(directoryOnly, 'own_app', false).known).toBe(false);
    expect(outflowPermissions(directoryOnly, 'organization', false).known).toBe(false);
    // A delegated token without mail scopes is judged as before.
    expect(outflowPermissions(new Set(['user.read']), 'delegated', true).known).toBe(true);
  });

  it('backs off from the base, doubling up to an hour, and never sooner than Retry-After', () => {
    expect([1, 2, 3].map((a) => retryDelaySeconds(a))).toEqual([15, 30, 60]);
    expect(retryDelaySeconds(20)).toBe(3600);
    expect(retryDelaySeconds(1, 120)).toBe(120);
    expect(retryDelaySeconds(2, undefined, 1)).toBe(2);
  });

  it('tells failures waiting cannot fix from passing ones', () => {
    expect(permanentReason({ status: 404, code: 'ErrorItemNotFound', message: 'gone' })).toMatch(
      /no longer in the mailbox/,
    );
    expect(permanentReason({ status: 403, code: 'ErrorAccessDenied', message: 'Access is denied.' })).toMatch(
      /lacks the permission/,
    );
    expect(
      permanentReason({
        status: 400,
        code: 'ErrorInvalidRecipients',
        message: 'At least one recipient is not valid.',
      }),
    ).toMatch(/recipient/);
    for (const status of [401, 408, 429, 500, 503])
      expect(permanentReason({ status, code: 'x', message: 'y' })).toBeNull();
  });
});
