import { Anchor, Button, Group, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconExternalLink, IconEye, IconPaperclip } from '@tabler/icons-react';
import { api, type Document } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

function size(bytes: number, locale: string): string {
  if (bytes < 1024)
    return new Intl.NumberFormat(locale, { style: 'unit', unit: 'byte', unitDisplay: 'long' }).format(bytes);
  const units = ['kilobyte', 'megabyte', 'gigabyte'] as const;
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[i],
    unitDisplay: 'short',
    maximumFractionDigits: 1,
  }).format(v);
}

/**
 * A document's files: download links, previews of PDFs and images, and a warning on a file whose
 * name hid its real order with bidirectional control characters (the server removed them).
 */
export function DocumentAttachments({ ws, doc }: { ws: string; doc: Document }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const [preview, setPreview] = useState<number | null>(null);
  return (
    <section aria-labelledby="doc-attachments">
      <Title order={2} size="h4" id="doc-attachments" mb="xs">
        {doc.attachments.length
          ? t('documents.attachments', { count: doc.attachments.length })
          : t('documents.attachmentsTitle')}
      </Title>
      {doc.attachments.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('documents.noAttachments')}
        </Text>
      ) : (
        <>
          {doc.attachments.some((a) => a.notKept) && (
            <Text size="sm" c="dimmed" mb="xs" role="note" data-testid="attachments-not-kept">
              {t('documents.notKeptNote')}
            </Text>
          )}
          <ul className="attachment-list" data-testid="attachments">
            {doc.attachments.map((a) => (
              <li key={a.index}>
                <Group gap="xs" wrap="nowrap">
                  <IconPaperclip size={16} aria-hidden style={{ flex: 'none' }} />
                  {a.kind === 'reference' ? (
                    a.url && /^https?:\/\//i.test(a.url) ? (
                      <Anchor href={a.url} target="_blank" rel="noopener noreferrer" size="sm">
                        {a.name} <IconExternalLink size={12} aria-hidden />
                      </Anchor>
                    ) : (
                      <Text size="sm">{a.name}</Text>
                    )
                  ) : a.notKept ? (
                    <Text size="sm" className="break">
                      {a.name}
                    </Text>
                  ) : (
                    <Anchor
                      href={api.documentAttachment(ws, doc.id, a.index)}
                      download={a.name}
                      size="sm"
                      className="break"
                    >
                      {a.name}
                    </Anchor>
                  )}
                  <Text size="xs" c="dimmed" style={{ flex: 'none' }}>
                    {a.kind === 'reference'
                      ? t('documents.link')
                      : a.notKept
                        ? t('documents.notKept')
                        : size(a.size, locale)}
                    {a.kind === 'item' ? ` · ${t('documents.itemAttachment')}` : ''}
                    {a.inline ? ` · ${t('documents.inlineAttachment')}` : ''}
                  </Text>
                  {a.previewable && !a.notKept && (
                    <Button
                      size="compact-xs"
                      variant="subtle"
                      leftSection={<IconEye size={12} aria-hidden />}
                      onClick={() => setPreview(preview === a.index ? null : a.index)}
                      aria-expanded={preview === a.index}
                      aria-label={t('documents.previewNamed', { name: a.name })}
                    >
                      {t('documents.preview')}
                    </Button>
                  )}
                </Group>
                {a.bidiControlsRemoved && (
                  <Group
                    gap={4}
                    wrap="nowrap"
                    mt={4}
                    c="orange.9"
                    role="note"
                    data-testid="attachment-bidi-warning"
                  >
                    <IconAlertTriangle size={14} aria-hidden style={{ flex: 'none' }} />
                    <Text size="xs">{t('documents.bidiWarning')}</Text>
                  </Group>
                )}
                {preview === a.index &&
                  (a.contentType.toLowerCase().includes('pdf') || a.name.toLowerCase().endsWith('.pdf') ? (
                    <iframe
                      title={t('documents.previewNamed', { name: a.name })}
                      src={`${api.documentAttachment(ws, doc.id, a.index)}?inline=1`}
                      className="attachment-preview"
                      referrerPolicy="no-referrer"
                    />
                  ) : (
                    <img
                      src={`${api.documentAttachment(ws, doc.id, a.index)}?inline=1`}
                      alt={a.name}
                      className="attachment-preview-image"
                    />
                  ))}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
