import type { TestEmailRequest } from '@mailroom/contracts';
import { and, eq, sql } from 'drizzle-orm';
import { invalidField } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { mailboxes } from '../db/schema/index.ts';

/** The demo tenant's senders: a colleague at the insurer (internal) and a customer (external). */
/** The sandbox tenant's control call this needs (the emulator's control client has it). */
export interface TestEmailPort {
  deliverGenerated(
    address: string,
    opts: { from: { name: string; address: string }; pdfs: number; jpegs: number },
  ): Promise<{ subject: string }>;
}

const SENDERS = {
  internal: { name: 'Lynne Robbins', address: 'lynne.robbins@contoso-insurance.com' },
  external: { name: 'Jan Peeters', address: 'jan.peeters@example.be' },
} as const;

/**
 * Sandbox: delivers a generated email now into a mailbox the connector reads (any other address is
 * refused on its field), from a demo sender, with a PDF and a JPEG when asked. Returns its subject.
 */
export async function sendTestEmail(
  db: Db,
  sandbox: { control: TestEmailPort },
  connectorId: string,
  req: TestEmailRequest,
): Promise<{ subject: string }> {
  const [target] = await db
    .select({ id: mailboxes.id })
    .from(mailboxes)
    .where(
      and(
        eq(mailboxes.connectorId, connectorId),
        sql`lower(${mailboxes.address}) = ${req.address.toLowerCase()}`,
      ),
    );
  if (!target)
    throw invalidField('address', {
      en: 'Choose one of the mailboxes this connector reads.',
      fr: 'Choisissez l’une des boîtes aux lettres que lit ce connecteur.',
    });
  const delivered = await sandbox.control.deliverGenerated(req.address, {
    from: SENDERS[req.sender],
    ...(req.attachments ? { pdfs: 1, jpegs: 1 } : { pdfs: 0, jpegs: 0 }),
  });
  return { subject: delivered.subject };
}
