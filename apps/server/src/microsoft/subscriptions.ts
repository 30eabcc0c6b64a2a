import { FIRST_LIFETIME_MINUTES, shorterLifetime } from '../core/push-policy.ts';
import { GraphApiError } from './graph.ts';
import type { MailClient } from './mail-client.ts';

export interface CreatedSubscription {
  id: string;
  /** What Microsoft answered; `expiresAt` is what we asked for, if the answer lacks it. */
  expirationDateTime: string;
  expiresAt: Date;
}

/** Microsoft refused the expiration we asked for ("Subscription expiration can only be N minutes…"). */
function refusedExpiration(err: unknown): err is GraphApiError {
  return err instanceof GraphApiError && err.status === 400 && /expiration/i.test(err.message);
}

/** Which tenant asks, and when "now" is (for the expiration). */
export interface LifetimeContext {
  /** The tenant whose lifetime is learnt (Microsoft's limit may differ per tenant's ring). */
  tenant: string;
  now: Date;
}

/**
 * Graph change-notification subscriptions on one folder's messages. Requests go through the paced
 * mail client, so they count against the mailbox's concurrency like every other call.
 */
export class SubscriptionClient {
  private readonly mail: MailClient;
  /**
   * Per tenant, the lifetime (minutes) Microsoft accepted after refusing a longer one, so that one
   * refusal teaches every later creation and renewal. In memory: after a restart the first request
   * per tenant may be refused once more.
   */
  private readonly learnt = new Map<string, number>();
  constructor(mail: MailClient) {
    this.mail = mail;
  }

  /** The lifetime in minutes asked for next in this tenant. */
  lifetimeMinutes(tenant: string): number {
    return this.learnt.get(tenant) ?? FIRST_LIFETIME_MINUTES;
  }

  /**
   * Asks with the tenant's lifetime; when Microsoft refuses the expiration, asks again shorter (the
   * limit its message names, else the next reading of its docs) and remembers what it accepted.
   */
  private async withLifetime(
    ctx: LifetimeContext,
    call: (expiresAt: Date) => Promise<{ id: string; expirationDateTime: string }>,
  ): Promise<CreatedSubscription> {
    let minutes = this.lifetimeMinutes(ctx.tenant);
    for (;;) {
      const expiresAt = new Date(ctx.now.getTime() + minutes * 60_000);
      try {
        const r = await call(expiresAt);
        return { id: r.id, expirationDateTime: r.expirationDateTime, expiresAt };
      } catch (err) {
        const shorter = refusedExpiration(err) ? shorterLifetime(minutes, err.message) : null;
        if (shorter === null) throw err;
        minutes = shorter;
        // Never lengthen what a concurrent request learnt.
        this.learnt.set(ctx.tenant, Math.min(shorter, this.learnt.get(ctx.tenant) ?? Infinity));
      }
    }
  }

  /**
   * `created` only: a new or moved-in message is what wakes a delta round. Our own marker writes
   * (updates) would otherwise notify us about every message we process.
   */
  create(
    token: string,
    mailbox: string,
    folderId: string,
    opts: { notificationUrl: string; lifecycleNotificationUrl: string; clientState: string },
    ctx: LifetimeContext,
  ): Promise<CreatedSubscription> {
    return this.withLifetime(ctx, (expiresAt) =>
      this.mail.json<{ id: string; expirationDateTime: string }>(token, mailbox, '/subscriptions', {
        method: 'POST',
        body: {
          changeType: 'created',
          resource: `users/${mailbox}/mailFolders/${folderId}/messages`,
          notificationUrl: opts.notificationUrl,
          lifecycleNotificationUrl: opts.lifecycleNotificationUrl,
          clientState: opts.clientState,
          expirationDateTime: expiresAt.toISOString(),
          latestSupportedTlsVersion: 'v1_2',
        },
      }),
    );
  }

  /** Extends the expiry; also what Microsoft accepts as the answer to `reauthorizationRequired`. */
  renew(token: string, mailbox: string, id: string, ctx: LifetimeContext): Promise<CreatedSubscription> {
    return this.withLifetime(ctx, (expiresAt) =>
      this.mail.json<{ id: string; expirationDateTime: string }>(
        token,
        mailbox,
        `/subscriptions/${encodeURIComponent(id)}`,
        { method: 'PATCH', body: { expirationDateTime: expiresAt.toISOString() } },
      ),
    );
  }

  async remove(token: string, mailbox: string, id: string): Promise<void> {
    await this.mail.request(token, mailbox, `/subscriptions/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }
}
