import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers.ts';
import { AppError } from '../core/errors.ts';
import type { Database } from '../db/client.ts';
import { connectors, mailboxes, workspaces } from '../db/schema/index.ts';
import { sendTestEmail } from './test-email.ts';

// The sandbox's test email called directly on a real database, with the emulator's control client as
// a fake. The route's own test is test/sandbox-surfaces.int.test.ts.

let database: Database & { dispose(): Promise<void> };
let connectorId: string;
const delivered: { address: string; opts: unknown }[] = [];
const sandbox = {
  control: {
    deliverGenerated: async (address: string, opts: unknown) => {
      delivered.push({ address, opts });
      return { subject: 'Claim 42' };
    },
  },
};

beforeAll(async () => {
  database = await openTestDatabase();
  const { db } = database;
  const [w] = await db.insert(workspaces).values({ name: 'Contoso' }).returning();
  const [c] = await db
    .insert(connectors)
    .values({ workspaceId: w!.id, name: 'M365', type: 'microsoft365', authMode: 'organization' })
    .returning();
  connectorId = c!.id;
  await db.insert(mailboxes).values({
    workspaceId: w!.id,
    connectorId,
    graphUserId: 'u-claims',
    address: 'Claims@contoso.example',
    displayName: 'Claims',
  });
});
afterAll(async () => {
  await database?.dispose();
});

describe('the sandbox test email', () => {
  it('goes only to a mailbox the connector reads, whatever the case of its address', async () => {
    const err: unknown = await sendTestEmail(database.db, sandbox, connectorId, {
      address: 'someone@contoso.example',
      sender: 'internal',
      attachments: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).details).toEqual([
      { path: 'address', message: 'Choose one of the mailboxes this connector reads.' },
    ]);
    expect(delivered).toEqual([]);

    const sent = await sendTestEmail(database.db, sandbox, connectorId, {
      address: 'claims@contoso.example',
      sender: 'external',
      attachments: true,
    });
    expect(sent).toEqual({ subject: 'Claim 42' });
    expect(delivered).toEqual([
      {
        address: 'claims@contoso.example',
        opts: { from: { name: 'Jan Peeters', address: 'jan.peeters@example.be' }, pdfs: 1, jpegs: 1 },
      },
    ]);
  });
});
