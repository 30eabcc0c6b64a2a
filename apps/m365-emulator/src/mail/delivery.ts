import type { EmulatorState } from '../state.ts';
import type { Mailbox, Message } from './model.ts';
import { graphTime } from './render.ts';

/**
 * Sending: the message lands in every recipient mailbox inside the emulated tenants (as new
 * inbox mail, which fires their change notifications); other recipients are recorded in the
 * outbound log the control API exposes.
 */
export function deliverToRecipients(st: EmulatorState, from: Mailbox, msg: Message): void {
  const addresses = [...msg.toRecipients, ...msg.ccRecipients, ...msg.bccRecipients].map(
    (r) => r.emailAddress.address,
  );
  const external: string[] = [];
  const now = st.clock.now();
  for (const address of new Set(addresses.map((a) => a.toLowerCase()))) {
    const user = [...st.dir.users.values()].find(
      (u) =>
        u.state !== 'deleted' &&
        u.hasMailbox &&
        (u.mail?.toLowerCase() === address || u.userPrincipalName.toLowerCase() === address),
    );
    if (!user) {
      external.push(address);
      continue;
    }
    const box = st.mail.mailbox(user);
    st.mail.addMessage(box, st.mail.wellKnown(box, 'inbox')!, {
      subject: msg.subject,
      body: { ...msg.body },
      from: msg.from,
      sender: msg.sender,
      toRecipients: msg.toRecipients,
      ccRecipients: msg.ccRecipients,
      replyTo: msg.replyTo,
      receivedMs: now,
      sentMs: now,
      importance: msg.importance,
      internetMessageId: msg.internetMessageId,
      attachments: msg.attachments.map((a) => ({
        kind: a.kind,
        name: a.name,
        contentType: a.contentType,
        isInline: a.isInline,
        contentId: a.contentId,
        ...(a.content ? { content: a.content } : {}),
        ...(a.sourceUrl ? { sourceUrl: a.sourceUrl } : {}),
      })),
      ...(msg.mime ? { mime: msg.mime } : {}),
    });
  }
  if (external.length) {
    st.outbound.add({
      time: graphTime(now),
      fromMailbox: from.userId,
      from: msg.from?.emailAddress.address ?? null,
      to: external,
      subject: msg.subject,
      internetMessageId: msg.internetMessageId,
      attachments: msg.attachments.map((a) => ({ name: a.name, size: a.size })),
    });
  }
}
