import {
  Alert,
  Anchor,
  Breadcrumbs,
  Button,
  Group,
  Paper,
  Skeleton,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { IconAlertCircle, IconDownload } from '@tabler/icons-react';
import { api, type Document } from '@mailroom/contracts';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client.ts';
import { useDocumentView } from '../../api/documents.ts';
import { useInboxes } from '../../api/inboxes.ts';
import { StatusBadge } from './DocumentBadges.tsx';
import { DocumentActions } from './DocumentActions.tsx';
import { DocumentAttachments } from './DocumentAttachments.tsx';
import { DocumentClassification } from './DocumentClassification.tsx';
import { DocumentHistory } from './DocumentHistory.tsx';
import { DocumentOutflow } from './DocumentOutflow.tsx';
import { DocumentWebhooks } from './DocumentWebhooks.tsx';
import { useInlineImages } from './inline-images.ts';
import { PageHeading } from '../../components/PageHeading.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { paths } from '../../lib/paths.ts';
import { formatAbsolute, formatDateTime } from '../../lib/time.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';

function people(list: Document['to']): string {
  return list.map((r) => (r.name ? `${r.name} <${r.address}>` : r.address)).join(', ');
}

/** One document: who, when, where it came from, its body (isolated) and its files. */
export function DocumentPage() {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const ws = useCurrentWorkspace();
  const { documentId = '' } = useParams();
  const [images, setImages] = useState(false);
  const q = useDocumentView(ws.id, documentId, images);
  const inboxes = useInboxes(ws.id);
  const bodyHtml = useInlineImages(ws.id, documentId, q.data?.bodyHtml ?? null);

  const crumbs = (subject?: string) => (
    <nav aria-label={t('common.breadcrumbs')}>
      <Breadcrumbs separator="›">
        <Anchor component={Link} to={paths.inbox(ws.id)} size="sm">
          {t('documents.title')}
        </Anchor>
        {subject !== undefined && (
          <Text size="sm" c="dimmed" aria-current="page" truncate="end" maw={360}>
            {subject}
          </Text>
        )}
      </Breadcrumbs>
    </nav>
  );

  if (q.isPending && !q.data)
    return (
      <div className="page">
        <Stack gap="md" aria-busy="true" aria-label={t('app.loading')}>
          {crumbs()}
          <Skeleton h={36} w={320} />
          <Skeleton h={300} />
        </Stack>
      </div>
    );
  if (q.isError || !q.data) {
    const notFound = q.error instanceof ApiError && q.error.status === 404;
    return (
      <div className="page">
        <Stack gap="md">
          {crumbs()}
          <PageHeading size="h2">
            {notFound ? t('documents.notFound') : t('documents.loadFailed')}
          </PageHeading>
          <Text c="dimmed">{errorMessage(t, q.error)}</Text>
        </Stack>
      </div>
    );
  }
  const d = q.data;
  const subject = d.subject || t('documents.noSubject');
  const received = new Date(d.receivedAt);
  const sent = d.sentAt ? new Date(d.sentAt) : null;
  return (
    <div className="page">
      <Stack gap="lg">
        {crumbs(subject)}
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
          <PageHeading size="h2" className="doc-title">
            {subject}
          </PageHeading>
          <Button
            component="a"
            href={api.documentEml(ws.id, d.id)}
            download
            variant="default"
            leftSection={<IconDownload size={16} aria-hidden />}
          >
            {t('documents.downloadEml')}
          </Button>
        </Group>
        <DocumentActions ws={ws.id} doc={d} />
        <Paper withBorder radius="md" p="lg">
          <dl className="facts" data-testid="document-facts">
            <div>
              <dt>{t('documents.status')}</dt>
              <dd>
                <Group gap={6}>
                  <StatusBadge status={d.status} />
                  {d.filterReason && (
                    <Text size="sm" data-testid="filter-reason">
                      {t(`filterReasons.${d.filterReason}`, { defaultValue: d.filterReason })}
                    </Text>
                  )}
                  {d.version > 1 && (
                    <Text size="xs" c="dimmed">
                      {t('documents.versionN', { n: d.version })}
                    </Text>
                  )}
                </Group>
              </dd>
            </div>
            <div>
              <dt>{t('documents.inbox')}</dt>
              <dd>{inboxes.data?.items.find((i) => i.id === d.inboxId)?.name ?? '—'}</dd>
            </div>
            <div>
              <dt>{t('documents.from')}</dt>
              <dd>{d.from ? people([d.from]) : t('documents.unknownSender')}</dd>
            </div>
            <div>
              <dt>{t('documents.to')}</dt>
              <dd className="break">{people(d.to) || '—'}</dd>
            </div>
            {d.cc.length > 0 && (
              <div>
                <dt>{t('documents.cc')}</dt>
                <dd className="break">{people(d.cc)}</dd>
              </div>
            )}
            <div>
              <dt>{t('documents.received')}</dt>
              <dd>
                <time dateTime={d.receivedAt} title={formatAbsolute(received, locale)}>
                  {formatDateTime(received, locale)}
                </time>
              </dd>
            </div>
            {sent && (
              <div>
                <dt title={t('documents.sentHint')}>{t('documents.sent')}</dt>
                <dd data-testid="document-sent">
                  <time dateTime={d.sentAt!} title={formatAbsolute(sent, locale)}>
                    {formatDateTime(sent, locale)}
                  </time>
                </dd>
              </div>
            )}
            <div>
              <dt>{t('documents.origin')}</dt>
              <dd>
                {d.mailbox} › {d.folder}
              </dd>
            </div>
            <div>
              <dt>{t('documents.rule')}</dt>
              <dd>{d.folder ? t('documents.ruleOf', { folder: d.folder, mailbox: d.mailbox }) : '—'}</dd>
            </div>
          </dl>
        </Paper>

        <section aria-labelledby="doc-classification">
          <Title order={2} size="h4" id="doc-classification" mb="xs">
            {t('documents.classification')}
          </Title>
          <DocumentClassification ws={ws.id} doc={d} />
        </section>

        <DocumentOutflow doc={d} />

        <DocumentWebhooks ws={ws.id} documentId={d.id} />

        <DocumentAttachments ws={ws.id} doc={d} />

        <section aria-labelledby="doc-body">
          <Title order={2} size="h4" id="doc-body" mb="xs">
            {t('documents.body')}
          </Title>
          {d.bodyHtml ? (
            <>
              <iframe
                title={t('documents.bodyFrame', { subject })}
                sandbox=""
                srcDoc={bodyHtml ?? d.bodyHtml}
                className="mail-body"
                referrerPolicy="no-referrer"
                data-testid="mail-body"
              />
              <Group gap="xs" mt={4}>
                <Text size="xs" c="dimmed">
                  {images ? t('documents.imagesShown') : t('documents.noRemote')}
                </Text>
                {d.hasRemoteImages && (
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    onClick={() => setImages((v) => !v)}
                    data-testid="show-images"
                  >
                    {images ? t('documents.hideImages') : t('documents.showImages')}
                  </Button>
                )}
              </Group>
            </>
          ) : d.bodyText ? (
            <>
              <pre className="mail-text" data-testid="mail-text">
                {d.bodyText}
              </pre>
              {d.bodyAsPlainText && (
                <Text size="xs" c="dimmed" mt={4} data-testid="plain-text-note">
                  {t('documents.plainText')}
                </Text>
              )}
            </>
          ) : (
            <Alert color="gray" icon={<IconAlertCircle aria-hidden />}>
              {t('documents.noBody')}
            </Alert>
          )}
        </section>

        <section aria-labelledby="doc-history">
          <Title order={2} size="h4" id="doc-history" mb="xs">
            {t('documents.history')}
          </Title>
          <DocumentHistory doc={d} />
        </section>
      </Stack>
    </div>
  );
}
