import { describe, expect, it } from 'vitest';
import { FREE_ATTEMPTS, lockDurationMs } from './lockout.ts';
import { atLeast, canChangeRole, canRemoveMember } from './roles.ts';

describe('roles', () => {
  it('orders roles', () => {
    expect(atLeast('owner', 'admin')).toBe(true);
    expect(atLeast('admin', 'admin')).toBe(true);
    expect(atLeast('member', 'admin')).toBe(false);
  });
  it('reserves ownership changes to owners', () => {
    expect(canChangeRole('admin', 'member', 'admin')).toBe(true);
    expect(canChangeRole('admin', 'member', 'owner')).toBe(false);
    expect(canChangeRole('admin', 'owner', 'member')).toBe(false);
    expect(canChangeRole('owner', 'owner', 'admin')).toBe(true);
    expect(canChangeRole('member', 'member', 'admin')).toBe(false);
    expect(canRemoveMember('admin', 'owner')).toBe(false);
    expect(canRemoveMember('owner', 'owner')).toBe(true);
    expect(canRemoveMember('member', 'member')).toBe(false);
  });
});

describe('lockout', () => {
  it('allows a few mistakes, then locks for longer and longer, capped at an hour', () => {
    expect(lockDurationMs(FREE_ATTEMPTS - 1)).toBe(0);
    expect(lockDurationMs(FREE_ATTEMPTS)).toBe(60_000);
    expect(lockDurationMs(FREE_ATTEMPTS + 1)).toBe(120_000);
    expect(lockDurationMs(FREE_ATTEMPTS + 50)).toBe(3_600_000);
  });
});
