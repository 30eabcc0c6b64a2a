import { describe, expect, it } from 'vitest';
import { checkTargetUrl, guardedLookup, isPrivateAddress } from './targets.ts';

describe('webhook targets (SSRF)', () => {
  it('knows private, loopback, link-local and reserved addresses, in both families and embedded forms', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a9fe:a9fe',
      '[::1]',
    ]) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['93.184.216.34', '2606:4700::6810:85e5', '::ffff:93.184.216.34'])
      expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it('refuses URLs with private literal addresses, local names, credentials and other schemes', () => {
    for (const u of [
      'http://127.0.0.1/hook',
      'https://[::1]:8443/x',
      'http://169.254.169.254/latest/meta-data',
      'http://localhost:3000/',
      'https://api.internal/x',
      'ftp://example.com/',
      'https://user:pw@example.com/',
      'not a url',
    ]) {
      expect(() => checkTargetUrl(u, false), u).toThrow();
    }
    expect(checkTargetUrl('https://hooks.example.com/mailroom', false).hostname).toBe('hooks.example.com');
    expect(checkTargetUrl('http://127.0.0.1:9000/hook', true).port).toBe('9000');
  });

  it('refuses a name that resolves to 127.0.0.1 at connect time', async () => {
    const answer = await new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      guardedLookup(false)('localhost', {}, (err, address) => resolve({ err, address })),
    );
    expect(answer.err?.message).toMatch(/resolves to (127\.0\.0\.1|::1).*refused/);
    const allowed = await new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      guardedLookup(true)('localhost', {}, (err, address) => resolve({ err, address })),
    );
    expect(allowed.err).toBeNull();
  });
});
