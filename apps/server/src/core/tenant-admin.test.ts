import { describe, expect, it } from 'vitest';
import { consentRoleOf, isTenantGuid } from './tenant-admin.ts';

describe('consentRoleOf', () => {
  it('accepts the two roles that can grant application permissions tenant-wide', () => {
    expect(
      consentRoleOf(['b79fbf4d-3ef9-4689-8143-76b194e85509', '62e90394-69f5-4237-9190-012177145e10']),
    ).toBe('Global Administrator');
    expect(consentRoleOf(['E8611AB8-C189-46E8-94E1-60213AB1F814'])).toBe('Privileged Role Administrator');
  });
  it('refuses members and admins whose role only grants delegated permissions', () => {
    expect(consentRoleOf([])).toBeUndefined();
    // Application Administrator, Cloud Application Administrator, Exchange Administrator.
    expect(
      consentRoleOf([
        '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
        '158c047a-c907-4556-b7ef-446551a6b5f7',
        '29232cdf-9323-42fd-ade2-1d097af3e4de',
      ]),
    ).toBeUndefined();
  });
});

describe('isTenantGuid', () => {
  it('takes a GUID and nothing else', () => {
    expect(isTenantGuid('b7d2c1a4-3e5f-4a6b-8c9d-0e1f2a3b4c5d')).toBe(true);
    expect(isTenantGuid('contoso.com')).toBe(false);
    expect(isTenantGuid('b7d2c1a4-3e5f-4a6b-8c9d-0e1f2a3b4c5d/../x')).toBe(false);
    expect(isTenantGuid(undefined)).toBe(false);
  });
});
