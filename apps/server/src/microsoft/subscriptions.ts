import type { MailClient } from './mail-client.ts';

/** Outlook message subscriptions live at most 10,080 minutes (reference §3); ask for a little less. */
export const SUBSCRIPTION_LIFETIME_MS = (10_080 - 10) * 60_000;

export interface CreatedSubscription {
  id: string;
  expirationDateTime: string;
}

/**
 * Graph change-notification subscriptions on one folder's messages. Requests go through the paced
 * mail client, so they count against the mailbox's concurrency like every other call.
 */
export class SubscriptionClient {
  private readonly mail: MailClient;
  constructor(mail: MailClient) {
    this.mail = mail;
  }

  /**
   * `created` only: a new or moved-in message is what wakes a delta round. Our own marker writes
   * (updates) would otherwise notify us about every message we process.
   */
  create(
    token: string,
    mailbox: string,
    folderId: string,
    opts: { notificationUrl: string; lifecycleNotificationUrl: string; clientState: string; expiresAt: Date },
  ): Promise<CreatedSubscription> {
    return this.mail.json<CreatedSubscription>(token, mailbox, '/subscriptions', {
      method: 'POST',
      body: {
        changeType: 'created',
        resource: `users/${mailbox}/mailFolders/${folderId}/messages`,
        notificationUrl: opts.notificationUrl,
        lifecycleNotificationUrl: opts.lifecycleNotificationUrl,
        clientState: opts.clientState,
        expirationDateTime: opts.expiresAt.toISOString(),
        latestSupportedTlsVersion: 'v1_2',
      },
    });
  }

  /** Extends the expiry; also what Microsoft accepts as the answer to `reauthorizationRequired`. */
  renew(token: string, mailbox: string, id: string, expiresAt: Date): Promise<CreatedSubscription> {
    return this.mail.json<CreatedSubscription>(token, mailbox, `/subscriptions/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      body: { expirationDateTime: expiresAt.toISOString() },
    });
  }

  async remove(token: string, mailbox: string, id: string): Promise<void> {
    await this.mail.request(token, mailbox, `/subscriptions/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }
}
