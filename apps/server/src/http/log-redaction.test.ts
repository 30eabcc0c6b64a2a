import { describe, expect, it } from 'vitest';
import { redactUrl } from './log-redaction.ts';

describe('redactUrl', () => {
  it('hides invitation tokens in API paths and in the web app’s links, however they are encoded', () => {
    expect(redactUrl('/api/v1/invitations/abc_DEF-123')).toBe('/api/v1/invitations/[redacted]');
    expect(redactUrl('/api/v1/invitations/abc_DEF-123/accept')).toBe('/api/v1/invitations/[redacted]/accept');
    expect(redactUrl('/%61pi/v1/invitations/abc%5FDEF/accept?x=1')).toBe(
      '/api/v1/invitations/[redacted]/accept?x=1',
    );
    expect(redactUrl('/api/v1/invitations/a%2Fb%2Fc')).toBe('/api/v1/invitations/[redacted]');
    expect(redactUrl('/invite/abc_DEF-123')).toBe('/invite/[redacted]');
  });

  it('hides OAuth codes and states, keeps what explains a failure', () => {
    expect(redactUrl('/api/v1/oauth/microsoft/callback?code=c1&state=s1&session_state=x&client_info=y')).toBe(
      '/api/v1/oauth/microsoft/callback?code=[redacted]&state=[redacted]&session_state=[redacted]&client_info=[redacted]',
    );
    expect(redactUrl('/cb?error=access_denied&error_description=No+way&STATE=s&st%61te=s2&tenant=t')).toBe(
      '/cb?error=access_denied&error_description=No+way&STATE=[redacted]&st%61te=[redacted]&tenant=t',
    );
  });

  it('leaves other URLs exactly as they came', () => {
    expect(redactUrl('/api/v1/workspaces/w1/documents?q=invoice&cursor=abc')).toBe(
      '/api/v1/workspaces/w1/documents?q=invoice&cursor=abc',
    );
    expect(redactUrl('/%61pi/v1/auth/login')).toBe('/%61pi/v1/auth/login');
  });
});
