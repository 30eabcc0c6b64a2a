import { Paper, Text, ThemeIcon, Title, Stack } from '@mantine/core';
import { IconHourglassEmpty } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

/** An honest panel for a section that does not exist yet: no fake controls. */
export function NotAvailable({ what }: { what: string }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="md" p="xl" role="note" aria-labelledby="not-available-title">
      <Stack align="center" gap="xs" ta="center" maw={480} mx="auto">
        <ThemeIcon size={48} radius="xl" variant="light" color="gray" aria-hidden>
          <IconHourglassEmpty size={26} />
        </ThemeIcon>
        <Title order={3} size="h4" id="not-available-title">
          {t('notAvailable.title')}
        </Title>
        <Text c="dimmed">{t('notAvailable.body', { what })}</Text>
      </Stack>
    </Paper>
  );
}
