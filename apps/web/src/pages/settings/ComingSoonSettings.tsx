import { Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { NotAvailable } from '../../components/NotAvailable.tsx';
import { PageHeading } from '../../components/PageHeading.tsx';

/** Inboxes, API keys, webhooks: announced, not faked. */
export function ComingSoonSettings({ section }: { section: 'inboxes' | 'apiKeys' | 'webhooks' }) {
  const { t } = useTranslation();
  return (
    <Stack gap="lg">
      <div>
        <PageHeading size="h2">{t(`settings.sections.${section}`)}</PageHeading>
        <Text c="dimmed" mt={4}>
          {t(`comingSoon.${section}.intro`)}
        </Text>
      </div>
      <NotAvailable what={t(`comingSoon.${section}.what`)} />
    </Stack>
  );
}
