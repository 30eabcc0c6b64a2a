import { MantineProvider } from '@mantine/core';
import type { Document } from '@mailroom/contracts';
import { createInstance } from 'i18next';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { I18nextProvider, initReactI18next } from 'react-i18next';
import { describe, expect, it } from 'vitest';
import en from '../../i18n/en.json';
import fr from '../../i18n/fr.json';
import { DocumentAttachments } from './DocumentAttachments.tsx';

const attachment = (
  index: number,
  name: string,
  bidiControlsRemoved: boolean,
): Document['attachments'][number] => ({
  index,
  name,
  contentType: 'application/octet-stream',
  size: 2048,
  kind: 'file',
  url: null,
  previewable: false,
  bidiControlsRemoved,
  inline: false,
  contentId: null,
  notKept: false,
});

/** The section as React renders it, in a language of the app. */
async function render(lng: 'en' | 'fr', attachments: Document['attachments']): Promise<string> {
  const i18n = createInstance();
  await i18n.use(initReactI18next).init({
    lng,
    resources: { en: { translation: en }, fr: { translation: fr } },
    interpolation: { escapeValue: false },
  });
  const doc = { id: 'd1', attachments } as Document;
  return renderToStaticMarkup(
    createElement(
      MantineProvider,
      null,
      createElement(I18nextProvider, { i18n }, createElement(DocumentAttachments, { ws: 'w1', doc })),
    ),
  );
}

describe('attachment names that hid their real order', () => {
  const attachments = [attachment(0, 'invoicefdp.exe', true), attachment(1, 'constat.pdf', false)];

  it('warns on that attachment only, in English and in French', async () => {
    for (const [lng, words] of [
      ['en', en.documents.bidiWarning],
      ['fr', fr.documents.bidiWarning],
    ] as const) {
      const html = await render(lng, attachments);
      const items = html.split('<li').slice(1);
      expect(items).toHaveLength(2);
      expect(items[0]).toContain('data-testid="attachment-bidi-warning"');
      expect(items[0]).toContain(words.replaceAll("'", '&#x27;'));
      expect(items[0]).toContain('download="invoicefdp.exe"');
      expect(items[1]).not.toContain('attachment-bidi-warning');
    }
  });

  it('shows no warning when no name carried such characters', async () => {
    expect(await render('en', [attachment(0, 'constat.pdf', false)])).not.toContain(
      'attachment-bidi-warning',
    );
  });
});

describe('attachments beyond the ones kept, and inline ones (issue 19 §1)', () => {
  it('names an attachment that was not kept without a download link, says why, in English and in French', async () => {
    const attachments = [
      { ...attachment(0, 'file-0999.txt', false), notKept: false },
      { ...attachment(1, 'file-1000.txt', false), notKept: true },
    ];
    for (const [lng, words] of [
      ['en', en.documents],
      ['fr', fr.documents],
    ] as const) {
      const html = await render(lng, attachments);
      expect(html).toContain('data-testid="attachments-not-kept"');
      expect(html).toContain(words.notKeptNote.replaceAll("'", '&#x27;'));
      const items = html.split('<li').slice(1);
      expect(items[0]).toContain('download="file-0999.txt"');
      expect(items[1]).not.toContain('download=');
      expect(items[1]).toContain(words.notKept.replaceAll("'", '&#x27;'));
    }
  });

  it('says an inline image is shown in the message', async () => {
    const html = await render('en', [
      { ...attachment(0, 'logo.png', false), inline: true, contentId: 'logo@x' },
    ]);
    expect(html).toContain(en.documents.inlineAttachment);
    expect(html).not.toContain('attachments-not-kept');
  });
});
