import { GraphApiError } from './graph.ts';
import type { MailClient } from './mail-client.ts';

/**
 * The hidden key on a forward Mailroom creates: the outflow run's id, as a single-value extended
 * property on the draft (and on the sent item it becomes). A retry looks for it before creating
 * anything, so a forward is sent once whatever failed in between (decision 0008).
 */
export const OUTFLOW_KEY_PROPERTY_ID =
  'String {7d3f2f4e-8f0b-4c38-9a39-6d61696c726d} Name MailroomOutflowKey';

/**
 * The Graph writes of outflow: categories, master categories, moves and forwards. Every method is
 * safe to call again after any failure: it looks at Outlook first and does only what is missing.
 * Requests with an effect are not repeated blindly by the client (`retry: false`).
 */
export class OutlookWriter {
  private readonly mail: MailClient;
  constructor(mail: MailClient) {
    this.mail = mail;
  }

  private messagePath(mailbox: string, id: string): string {
    return `/users/${encodeURIComponent(mailbox)}/messages/${encodeURIComponent(id)}`;
  }

  /**
   * Adds `name` to the email's categories (keeping the ones people set). The category is created in
   * the mailbox's master list with `color` when missing; without MailboxSettings.ReadWrite that is
   * refused, and the category is still set (Outlook shows it without a colour).
   */
  async addCategory(
    token: string,
    mailbox: string,
    id: string,
    name: string,
    color: string,
  ): Promise<'set' | 'already_set' | 'set_without_color'> {
    const msg = await this.mail.json<{ categories?: string[] }>(
      token,
      mailbox,
      `${this.messagePath(mailbox, id)}?$select=categories`,
    );
    const current = msg.categories ?? [];
    if (current.some((c) => c.toLowerCase() === name.toLowerCase())) return 'already_set';
    const colored = await this.ensureMasterCategory(token, mailbox, name, color);
    // PATCH replaces the list: the ones already there are sent back with the new one.
    await this.mail.request(token, mailbox, this.messagePath(mailbox, id), {
      method: 'PATCH',
      body: { categories: [...current, name] },
    });
    return colored ? 'set' : 'set_without_color';
  }

  /** True when the category is (now) in the master list; false when Microsoft refused to add it. */
  private async ensureMasterCategory(
    token: string,
    mailbox: string,
    name: string,
    color: string,
  ): Promise<boolean> {
    const base = `/users/${encodeURIComponent(mailbox)}/outlook/masterCategories`;
    const list = await this.mail
      .json<{ value: { displayName: string }[] }>(token, mailbox, base)
      .catch((err: unknown) => {
        if (err instanceof GraphApiError && err.status === 403) return null;
        throw err;
      });
    if (list?.value.some((c) => c.displayName.toLowerCase() === name.toLowerCase())) return true;
    try {
      await this.mail.request(token, mailbox, base, {
        method: 'POST',
        body: { displayName: name, color },
        retry: false,
      });
      return true;
    } catch (err) {
      // Created meanwhile (another run, a person): what we wanted.
      if (err instanceof GraphApiError && err.status === 409) return true;
      if (err instanceof GraphApiError && err.status === 403) return false;
      throw err;
    }
  }

  /** Moves the email to `destination` (a folder id or a well-known name); nothing when it is there already. */
  async move(
    token: string,
    mailbox: string,
    id: string,
    destination: string,
  ): Promise<'moved' | 'already_there'> {
    const folders = `/users/${encodeURIComponent(mailbox)}/mailFolders/${encodeURIComponent(destination)}?$select=id`;
    const target = await this.mail.json<{ id: string }>(token, mailbox, folders).catch((err: unknown) => {
      // Said apart from a missing email: the fix is in the rule, not in Outlook.
      if (err instanceof GraphApiError && err.status === 404)
        throw new GraphApiError(404, 'DestinationFolderNotFound', err.message, err.requestId);
      throw err;
    });
    const msg = await this.mail.json<{ parentFolderId?: string }>(
      token,
      mailbox,
      `${this.messagePath(mailbox, id)}?$select=parentFolderId`,
    );
    if (msg.parentFolderId === target.id) return 'already_there';
    // Immutable ids: the email keeps its id in its new folder, so a repeat finds it there.
    await this.mail.request(token, mailbox, `${this.messagePath(mailbox, id)}/move`, {
      method: 'POST',
      body: { destinationId: target.id },
      retry: false,
    });
    return 'moved';
  }

  /**
   * Forwards the email once per `key`: finds a draft or sent item carrying the key; creates the
   * forward draft tagged with it when there is none; sends the draft. A send whose answer was lost
   * leaves a sent item with the key, which the next call finds.
   */
  async forwardOnce(
    token: string,
    mailbox: string,
    id: string,
    key: string,
    to: string,
    comment: string,
    onDraft: (draftId: string) => Promise<void>,
  ): Promise<'sent' | 'already_sent'> {
    const found = await this.findByKey(token, mailbox, key);
    let draftId: string;
    if (found && !found.isDraft) return 'already_sent';
    if (found) draftId = found.id;
    else {
      const draft = await this.mail.json<{ id: string }>(
        token,
        mailbox,
        `${this.messagePath(mailbox, id)}/createForward`,
        {
          method: 'POST',
          body: {
            comment,
            toRecipients: [{ emailAddress: { address: to } }],
            message: { singleValueExtendedProperties: [{ id: OUTFLOW_KEY_PROPERTY_ID, value: key }] },
          },
          retry: false,
        },
      );
      draftId = draft.id;
      await onDraft(draftId);
    }
    await this.mail.request(token, mailbox, `${this.messagePath(mailbox, draftId)}/send`, {
      method: 'POST',
      retry: false,
    });
    return 'sent';
  }

  /** The message (draft or sent) carrying this outflow key, anywhere in the mailbox. */
  async findByKey(
    token: string,
    mailbox: string,
    key: string,
  ): Promise<{ id: string; isDraft: boolean } | null> {
    const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${OUTFLOW_KEY_PROPERTY_ID}' and ep/value eq '${key.replace(/'/g, "''")}')`;
    const q = new URLSearchParams({ $filter: filter, $select: 'id,isDraft', $top: '10' });
    const r = await this.mail.json<{ value: { id: string; isDraft: boolean }[] }>(
      token,
      mailbox,
      `/users/${encodeURIComponent(mailbox)}/messages?${q.toString()}`,
    );
    // A sent one wins over a draft: then it went out already.
    return r.value.find((m) => !m.isDraft) ?? r.value[0] ?? null;
  }
}
