import type { OutflowAction, OutflowPermissions } from '@mailroom/contracts';
import type { TFunction } from 'i18next';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../api/client.ts';
import { blockedKinds } from '../../../lib/outflow-words.ts';
import { clientErrors, onlyOutflowErrors, serverErrors } from './validate.ts';

const t = ((key: string) => key) as unknown as TFunction;

describe('outflow editor checks', () => {
  it('names the fields the contract would refuse, by action', () => {
    const actions: OutflowAction[] = [
      { kind: 'category', on: 'document.approved', category: ' ', color: 'preset4' },
      { kind: 'forward', on: 'document.bounced', to: 'not an address', comment: '' },
      { kind: 'forward', on: 'document.bounced', to: 'adjuster@loss-adjusters.example', comment: 'ok' },
      { kind: 'move', on: 'document.deleted', destinationFolderId: '', destinationName: '' },
    ];
    expect(clientErrors(t, actions)).toEqual({
      0: { category: 'validation.required' },
      1: { to: 'validation.email' },
      3: { destinationFolderId: 'outflow.chooseFolderFirst' },
    });
  });

  it("maps the server's 422 details to actions and fields (outflow.N and outflow.N.field)", () => {
    const err = new ApiError(
      422,
      'validation_failed',
      'Some outflow actions cannot run with this connection.',
      [
        { path: 'outflow.1', message: 'This connection cannot forward mail from claims@: …' },
        { path: 'body.outflow.2.destinationFolderId', message: 'An inbox can move mail only to …' },
        { path: 'name', message: 'Enter a name.' },
      ],
    );
    expect(serverErrors(err)).toEqual({
      1: { '': 'This connection cannot forward mail from claims@: …' },
      2: { destinationFolderId: 'An inbox can move mail only to …' },
    });
    expect(onlyOutflowErrors(err)).toBe(false);
    expect(
      onlyOutflowErrors(new ApiError(422, 'validation_failed', 'x', [{ path: 'outflow.0', message: 'm' }])),
    ).toBe(true);
    expect(serverErrors(new ApiError(409, 'conflict', 'x'))).toEqual({});
  });

  it('blocks Save only for kinds a known grant lacks on some mailbox', () => {
    const perms = (forward: string[], known = true): OutflowPermissions => ({
      known,
      missing: { category: [], forward, move: [] },
      canCreateCategories: false,
    });
    const actions: OutflowAction[] = [
      { kind: 'category', on: 'document.approved', category: 'Claims', color: 'none' },
      { kind: 'forward', on: 'document.bounced', to: 'a@b.example', comment: '' },
    ];
    expect(blockedKinds(actions, [perms(['Mail.Send'])])).toEqual(['forward']);
    expect(blockedKinds(actions, [perms([]), perms(['Mail.Send'])])).toEqual(['forward']);
    expect(blockedKinds(actions, [perms(['Mail.Send'], false)])).toEqual([]);
    expect(blockedKinds(actions.slice(0, 1), [perms(['Mail.Send'])])).toEqual([]);
  });
});
