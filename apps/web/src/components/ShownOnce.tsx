import { Alert, Button, CopyButton, Group, Stack, Text, TextInput } from '@mantine/core';
import { IconCheck, IconCopy, IconKey } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A secret the server answers once (an API key, a webhook signing secret): a read-only field to copy
 * it from and a plain warning that it will not be shown again. Nothing else keeps it: not the query
 * cache, not the address bar, not the browser's history.
 */
export function ShownOnce({
  title,
  label,
  value,
  children,
}: {
  title: string;
  /** The field's name ("API key", "Signing secret"). */
  label: string;
  value: string;
  /** What to do with it, below the field. */
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Alert color="teal" variant="light" icon={<IconKey aria-hidden />} title={title} data-testid="shown-once">
      <Stack gap="xs">
        <Text size="sm" fw={600}>
          {t('integrations.shownOnce')}
        </Text>
        <Group gap="xs" wrap="nowrap" align="flex-end">
          <TextInput
            label={label}
            value={value}
            readOnly
            onFocus={(e) => e.currentTarget.select()}
            style={{ flex: 1 }}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
            spellCheck={false}
            data-autofocus
          />
          <CopyButton value={value} timeout={2500}>
            {({ copied, copy }) => (
              <Button
                onClick={copy}
                color={copied ? 'teal' : undefined}
                variant={copied ? 'filled' : 'light'}
                leftSection={
                  copied ? <IconCheck size={16} aria-hidden /> : <IconCopy size={16} aria-hidden />
                }
                miw={120}
              >
                {copied ? t('common.copied') : t('common.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
        {children}
      </Stack>
    </Alert>
  );
}
