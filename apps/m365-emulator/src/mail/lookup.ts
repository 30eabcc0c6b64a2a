import type { EmulatorState } from '../state.ts';
import { MailErrors } from './access.ts';
import { parseId } from './ids.ts';
import type { Attachment, MailFolder, Mailbox, Message } from './model.ts';

/** Resolves a folder reference: a well-known name (any case) or a folder id. */
export function findFolder(st: EmulatorState, m: Mailbox, ref: string): MailFolder {
  const wk = st.mail.wellKnown(m, ref);
  if (wk) return wk;
  const id = parseId(ref);
  if (!id) throw MailErrors.malformedId();
  if (id.kind !== 'folder' || !id.mailboxKey.equals(m.key)) throw MailErrors.folderNotFound();
  const f = m.folders.get(id.no);
  if (!f) throw MailErrors.folderNotFound();
  return f;
}

/**
 * Resolves a message id of either format. A REST id from before a move no longer resolves
 * (ErrorItemNotFound), exactly the trap immutable ids avoid; deleted items are gone.
 */
export function findMessage(st: EmulatorState, m: Mailbox, ref: string): Message {
  const id = parseId(ref);
  if (!id) throw MailErrors.malformedId();
  if ((id.kind !== 'rest' && id.kind !== 'immutable') || !id.mailboxKey.equals(m.key))
    throw MailErrors.itemNotFound();
  const msg = st.mail.findMessage(
    m,
    id.no,
    id.kind === 'rest' ? { folderNo: id.folderNo, moveGen: id.moveGen } : undefined,
  );
  if (!msg || m.folders.get(msg.folderNo)?.wellKnownName === 'recoverableitemsdeletions')
    throw MailErrors.itemNotFound();
  return msg;
}

export function findAttachment(msg: Message, ref: string, m: Mailbox): Attachment {
  const id = parseId(ref);
  if (!id) throw MailErrors.malformedId();
  if (id.kind !== 'attachment' || !id.mailboxKey.equals(m.key) || id.no !== msg.no)
    throw MailErrors.itemNotFound();
  const a = msg.attachments.find((x) => x.no === id.attachmentNo);
  if (!a) throw MailErrors.itemNotFound();
  return a;
}
