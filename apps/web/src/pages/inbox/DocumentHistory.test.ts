import { MantineProvider } from '@mantine/core';
import type { Document, HistoryEntry } from '@mailroom/contracts';
import { createInstance } from 'i18next';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider, initReactI18next } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import en from '../../i18n/en.json';
import fr from '../../i18n/fr.json';
import { DocumentHistory } from './DocumentHistory.tsx';

const line = (kind: string, details: HistoryEntry['details']): HistoryEntry => ({
  id: `00000000-0000-4000-8000-00000000000${kind.length % 10}`,
  at: '2026-12-05T10:00:00.000Z',
  kind,
  actor: null,
  version: 1,
  details,
});

/** The history as React renders it, in a language of the app: one string per line. */
async function render(lng: 'en' | 'fr', history: HistoryEntry[]): Promise<string[]> {
  const i18n = createInstance();
  await i18n.use(initReactI18next).init({
    lng,
    resources: { en: { translation: en }, fr: { translation: fr } },
    interpolation: { escapeValue: false },
  });
  const doc = { id: 'd1', history } as Document;
  const html = renderToStaticMarkup(
    createElement(
      MantineProvider,
      null,
      createElement(I18nextProvider, { i18n }, createElement(DocumentHistory, { doc })),
    ),
  );
  return html.split('<li').slice(1);
}

describe('the history line of an ingestion', () => {
  const ingested = line('ingested', {
    mailbox: 'claims@contoso.com',
    folder: 'Inbox',
    folderId: 'f1',
    process: 'worker-b:4242',
  });

  it('names the process that ingested the email, in English and in French', async () => {
    const [enLine] = await render('en', [ingested]);
    expect(enLine).toContain('Received');
    expect(enLine).toContain('claims@contoso.com › Inbox · by process worker-b:4242');
    const [frLine] = await render('fr', [ingested]);
    expect(frLine).toContain('Reçu');
    expect(frLine).toContain('claims@contoso.com › Inbox · par le processus worker-b:4242');
  });

  it('says nothing of a process for lines written before it was recorded, or of other kinds', async () => {
    const [old, routed] = await render('en', [
      line('ingested', { mailbox: 'claims@contoso.com', folder: 'Inbox' }),
      line('routed', { process: 'worker-b:4242' }),
    ]);
    expect(old).toContain('claims@contoso.com › Inbox');
    expect(old).not.toContain('process');
    expect(routed).not.toContain('worker-b');
  });
});
