import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signedHeaders } from './signing.ts';

// Verified by the Standard Webhooks library itself, not by our own code.
describe('Standard Webhooks signing', () => {
  const body = JSON.stringify({
    type: 'document.created',
    timestamp: '2026-12-05T10:00:00.000Z',
    data: { documentId: 'd1' },
  });
  const now = Math.floor(Date.now() / 1000);

  it("is accepted by the standardwebhooks package with the endpoint's secret", () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const headers = signedHeaders([secret], 'msg_1', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('is refused with another secret, a changed body or a changed id', () => {
    const secret = newWebhookSecret();
    const headers = signedHeaders([secret], 'msg_1', now, body);
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body.replace('d1', 'd2'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow();
  });

  it('signs with both secrets during a rotation: a receiver with either accepts', () => {
    const [old, fresh] = [newWebhookSecret(), newWebhookSecret()];
    const headers = signedHeaders([fresh, old], 'msg_1', now, body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(old).verify(body, headers)).toBeTruthy();
    expect(new Webhook(fresh).verify(body, headers)).toBeTruthy();
  });
});
