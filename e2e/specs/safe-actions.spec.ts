import { api, type ConnectorList, type Document, type DocumentList, type TagList } from '@mailroom/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  claims,
  connectClaimsInbox,
  control,
  createOwner,
  heading,
  page,
  pageErrors,
  server,
  shot,
  until,
  useStack,
} from '../support/spec.ts';

// Issue 19 §3 and §5, issue 21 §5: every action is safe to press twice, errors say what the server
// said, restore and reopen, reprocess asks and keeps what people set, the audit log in sentences with
// filters and exports, and the French of these screens.

let ws = '';
let connectorId = '';
const subjects = ['Safe one', 'Safe two', 'Safe three'] as const;
const docIds: Record<string, string> = {};

const eml = (subject: string) =>
  [
    'From: Jane Client <jane@client.example>',
    `To: ${claims}`,
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W/g, '')}@client.example>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Body of ${subject}.`,
    '',
  ].join('\r\n');

async function openDocument(subject: string) {
  await page.goto(`${server.baseUrl}/w/${ws}/inbox/${docIds[subject]}`);
  await heading(subject);
}

const facts = () => page.getByTestId('document-facts');
const historyKinds = async (subject: string) =>
  (await call<Document>('GET', api.document(ws, docIds[subject]!))).history.map((h) => h.kind);

describe('safe actions, server messages, restore and reopen, the audit log', () => {
  useStack('safe-actions', { ignoreHTTPSErrors: true, timeoutMs: 15_000 });
  beforeAll(async () => {
    ws = (await createOwner()).workspaces[0]!.id;
    const inbox = await connectClaimsInbox(ws);
    connectorId = inbox.connectorId;
    const folderId = inbox.folderId;
    await call('PATCH', api.folder(ws, folderId), { active: true });
    await call('POST', api.tags(ws), { name: 'urgent' });
    for (const s of subjects) await control.deliverEml(claims, eml(s));
    await until(
      'the three emails as documents',
      async () => {
        await call('POST', api.syncFolder(ws, folderId)).catch(() => undefined);
        const list = await call<DocumentList>('GET', `${api.documents(ws)}?limit=50`);
        for (const d of list.items) docIds[d.subject] = d.id;
        return subjects.every((s) => docIds[s]);
      },
      90_000,
    );
  });

  it("shows the server's message for a 4xx, not a generic conflict", async () => {
    await page.goto(`${server.baseUrl}/w/${ws}/settings/inboxes`);
    await heading('Inboxes');
    await page.getByLabel('New tag').fill('urgent');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByText('A tag named "urgent" already exists.').waitFor();
    expect(await page.getByText('This conflicts with a recent change', { exact: false }).count()).toBe(0);
    // A 150-character type is not cut: the field keeps it and says the limit.
    await page.getByLabel('New document type').fill('T'.repeat(150));
    await page.getByText('Use at most 80 characters.').waitFor();
    expect((await page.getByLabel('New document type').inputValue()).length).toBe(150);
  });

  it('double-click on Create connector creates one connector, and the button is busy meanwhile', async () => {
    await page.goto(`${server.baseUrl}/w/${ws}/settings/connectors`);
    await heading('Connectors');
    await page.getByRole('button', { name: 'Create connector' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Create connector' });
    await dialog.getByRole('textbox').first().fill('Pressed twice');
    await dialog.getByRole('button', { name: 'Create connector' }).dblclick();
    await heading('Pressed twice');
    // A third request, as a retry of the same dialog would send it, is the same connector too.
    const all = await call<ConnectorList>('GET', api.connectors(ws));
    expect(all.items.filter((c) => c.name === 'Pressed twice')).toHaveLength(1);
  });

  it('double-click on Approve approves once, with no error', async () => {
    await openDocument('Safe one');
    await page.getByRole('button', { name: 'Approve' }).dblclick();
    await facts().getByText('Approved').waitFor();
    await page.waitForTimeout(500);
    expect(await page.getByRole('alert').count()).toBe(0);
    // Approving it again from another tab (the API) is a success too, and writes nothing more.
    const again = await call<Document>('POST', api.documentActions(ws, docIds['Safe one']!), {
      action: 'approve',
    });
    expect(again.status).toBe('approved');
    expect((await historyKinds('Safe one')).filter((k) => k === 'approved')).toHaveLength(1);
  });

  it('Reprocess asks first, then keeps the tags and metadata people set', async () => {
    const tags = await call<TagList>('GET', api.tags(ws));
    const urgent = tags.items.find((x) => x.name === 'urgent')!.id;
    await call('PATCH', api.document(ws, docIds['Safe two']!), {
      tagIds: [urgent],
      metadata: { policy: 'P-42' },
    });
    await openDocument('Safe two');
    await page.getByRole('button', { name: 'Reprocess' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reprocess this document?' });
    await dialog.getByText('The type, tags and metadata people set are kept', { exact: false }).waitFor();
    await shot('90-reprocess-confirm-en');
    await dialog.getByRole('button', { name: 'Reprocess' }).click();
    await dialog.waitFor({ state: 'detached' });
    await until('the reprocessed line', async () => (await historyKinds('Safe two')).includes('reprocessed'));
    const after = await call<Document>('GET', api.document(ws, docIds['Safe two']!));
    expect(after.tagIds).toEqual([urgent]);
    expect(after.metadata).toMatchObject({ policy: 'P-42' });
  });

  it('leaving with unsaved metadata asks first; saved, it leaves without a word', async () => {
    await openDocument('Safe two');
    await page.getByRole('button', { name: 'Add entry' }).click();
    const n = await page.getByRole('textbox', { name: /^Key \d+$/ }).count();
    await page.getByRole('textbox', { name: `Key ${n}` }).fill('claimNumber');
    await page.getByRole('textbox', { name: `Value ${n}` }).fill('C-7');
    await page.getByRole('link', { name: 'Inbox', exact: true }).first().click();
    const ask = page.getByRole('dialog', { name: 'Leave without saving?' });
    await ask.waitFor();
    await shot('96-unsaved-metadata-en');
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await heading('Safe two');
    await page.getByRole('button', { name: 'Save metadata' }).click();
    await until('the metadata saved', async () => {
      const d = await call<Document>('GET', api.document(ws, docIds['Safe two']!));
      return d.metadata.claimNumber === 'C-7';
    });
    await page.getByRole('link', { name: 'Inbox', exact: true }).first().click();
    await heading('Inbox');
    expect(await page.getByRole('dialog', { name: 'Leave without saving?' }).count()).toBe(0);
  });

  it('a deleted document is restored from the trash; a bounced one is reopened', async () => {
    await openDocument('Safe three');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: 'Delete this document?' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await facts().getByText('Deleted').waitFor();
    await page.getByText('In the trash', { exact: false }).waitFor();
    await shot('91-document-in-trash-en');
    await page.getByRole('button', { name: 'Restore' }).click();
    await facts().getByText('New').waitFor();

    await page.getByRole('button', { name: 'Bounce' }).click();
    const bounce = page.getByRole('dialog', { name: 'Bounce this document' });
    await bounce.getByLabel('Reason').fill('Not for us.');
    await bounce.getByRole('button', { name: 'Bounce' }).click();
    await facts().getByText('Bounced').waitFor();
    await page.getByRole('button', { name: 'Reopen' }).click();
    await facts().getByText('New').waitFor();
    expect(await historyKinds('Safe three')).toEqual(
      expect.arrayContaining(['deleted', 'restored', 'bounced', 'reopened']),
    );
  });

  it('the tag picker says where tags are made, and an admin creates one in place', async () => {
    await openDocument('Safe one');
    await page.getByText('Type a new name to create a tag here', { exact: false }).waitFor();
    await page.getByRole('combobox', { name: 'Tags' }).fill('vip');
    await page.getByRole('option', { name: 'Create the tag “vip”' }).click();
    await until('the new tag on the document', async () => {
      const tags = await call<TagList>('GET', api.tags(ws));
      const vip = tags.items.find((x) => x.name === 'vip');
      const d = await call<Document>('GET', api.document(ws, docIds['Safe one']!));
      return !!vip && d.tagIds.includes(vip.id);
    });
  });

  it('the audit log reads as sentences naming and linking the object, filters, and exports what it shows', async () => {
    await page.goto(`${server.baseUrl}/w/${ws}/settings/audit-log`);
    await heading('Audit log');
    const table = page.getByRole('table', { name: 'Audit log' });
    await table.getByText('Chose the folders read in the mailbox', { exact: false }).waitFor();
    await table.getByRole('link', { name: claims }).first().waitFor();
    await table.getByText('Approved', { exact: false }).first().waitFor();
    await table.getByRole('link', { name: 'a document in Inbox' }).first().waitFor();
    // No raw event codes.
    expect(await table.getByText('mailbox.folders_set').count()).toBe(0);
    await shot('92-audit-en');

    const filters = page.getByRole('search', { name: 'Filter the audit log' });
    await filters.getByLabel('What').selectOption({ label: 'Documents' });
    await until('only document lines', async () => {
      const actions = await table
        .locator('[data-action]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
      return actions.length > 0 && actions.every((a) => a?.startsWith('document.'));
    });
    await table.getByText('Restored', { exact: false }).first().waitFor();
    const csv = filters.getByRole('link', { name: 'Export CSV' });
    const href = (await csv.getAttribute('href'))!;
    expect(href).toContain('format=csv');
    expect(href).toContain('action=document.*');
    const res = await page.request.get(`${server.baseUrl}${href}`);
    expect(res.status()).toBe(200);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines.slice(1).every((l) => l.includes(',document.'))).toBe(true);
    expect(lines.some((l) => l.includes('document.restored'))).toBe(true);
    const jsonl = (await filters.getByRole('link', { name: 'Export JSON Lines' }).getAttribute('href'))!;
    expect(jsonl).toContain('format=jsonl');

    // A reversed range is said, and asks the server nothing.
    await filters.getByLabel('From').fill('2026-12-10');
    await filters.getByLabel('To').fill('2026-12-01');
    await page.getByText('The end date is before the start date', { exact: false }).waitFor();
    await shot('93-audit-filters-reversed-en');
  });

  it('speaks French on these screens', async () => {
    await call('PATCH', api.me, { locale: 'fr' });
    await page.goto(`${server.baseUrl}/w/${ws}/settings/audit-log`);
    await heading('Journal d’audit');
    const table = page.getByRole('table', { name: 'Journal d’audit' });
    await table
      .getByText('A choisi les dossiers lus dans la boîte aux lettres', { exact: false })
      .first()
      .waitFor();
    await table.getByRole('link', { name: 'un document de Inbox' }).first().waitFor();
    await shot('94-audit-fr');
    await openDocument('Safe one');
    await page.getByRole('button', { name: 'Rejeter' }).waitFor();
    await page.getByRole('button', { name: 'Retraiter' }).click();
    await page.getByRole('dialog', { name: 'Retraiter ce document ?' }).waitFor();
    await shot('95-reprocess-confirm-fr');
    await page.keyboard.press('Escape');
    // The server's own words are French too (decision 0019), not only the app's.
    await page.goto(`${server.baseUrl}/w/${ws}/settings/inboxes`);
    await page.getByLabel('Nouvelle étiquette').fill('urgent');
    await page.getByRole('button', { name: 'Ajouter l’étiquette' }).click();
    await page.getByText('Une étiquette nommée « urgent » existe déjà.').waitFor();
    // The inbox list: the search hint whole, the filters' long names capped.
    await page.goto(`${server.baseUrl}/w/${ws}/inbox`);
    await heading('Boîte de réception');
    expect(await page.getByPlaceholder('Objet, expéditeur ou nom de fichier').count()).toBe(1);
    await shot('97-inbox-fr');
    // The connector page: sandbox roles in French, the target inbox list with room beside its button.
    const fresh = (await call<ConnectorList>('GET', api.connectors(ws))).items.find(
      (c) => c.name === 'Pressed twice',
    )!;
    await page.goto(`${server.baseUrl}/w/${ws}/settings/connectors/${fresh.id}`);
    await page.getByText('Gestionnaire de sinistres', { exact: false }).first().waitFor();
    await shot('98-sandbox-roles-fr');
    await page.goto(`${server.baseUrl}/w/${ws}/settings/connectors/${connectorId}`);
    const target = page.getByLabel('Boîte de réception cible').first();
    expect((await target.boundingBox())!.width).toBeGreaterThan(150);
    await shot('98-rule-fr');
    await page.goto(`${server.baseUrl}/w/${ws}`);
    await page.getByText('2 connecteurs, dont 1 en ligne').waitFor();
    await shot('99-home-fr');
    expect(pageErrors).toEqual([]);
  });
});
