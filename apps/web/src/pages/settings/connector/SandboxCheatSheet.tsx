import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { IconFlask, IconForms } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useSandboxInfo } from '../../../api/sandbox.ts';
import { CopyValue } from '../../../components/CopyValue.tsx';
import type { OwnAppPrefill } from './OwnAppForm.tsx';

/**
 * In sandbox mode: the emulated tenant's accounts and app registration, so that a newcomer can try
 * each way of connecting in under a minute.
 */
export function SandboxCheatSheet({ onUseOwnApp }: { onUseOwnApp: (p: OwnAppPrefill) => void }) {
  const { t } = useTranslation();
  const info = useSandboxInfo(true);
  if (!info.data) return null;
  const s = info.data;
  return (
    <Alert
      color="grape"
      variant="light"
      icon={<IconFlask aria-hidden />}
      title={t('connectors.sandbox.title', { tenant: s.tenantName })}
      data-testid="sandbox-cheat-sheet"
    >
      <Stack gap="sm">
        <Text size="sm">{t('connectors.sandbox.intro')}</Text>
        <Group gap="xs" wrap="wrap">
          <Text size="sm" fw={600}>
            {t('connectors.sandbox.tenantId')}
          </Text>
          <CopyValue value={s.tenantId} label={t('connectors.sandbox.tenantId')} />
        </Group>
        <ul className="cheat-accounts" aria-label={t('connectors.sandbox.accounts')}>
          {s.accounts.map((a) => (
            <li key={a.upn}>
              <Group gap="md" wrap="wrap">
                <CopyValue value={a.upn} label={a.upn} />
                <Group gap={4} wrap="nowrap">
                  <Text size="xs" c="dimmed">
                    {t('connectors.sandbox.password')}
                  </Text>
                  <CopyValue value={a.password} label={t('connectors.sandbox.passwordOf', { upn: a.upn })} />
                </Group>
              </Group>
              <Text size="xs" c="dimmed">
                {a.roleKey ? t(`connectors.sandbox.roles.${a.roleKey}`) : a.role}
              </Text>
            </li>
          ))}
        </ul>
        <Text size="sm">{t('connectors.sandbox.howTo')}</Text>
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            {t('connectors.sandbox.ownApp')}
          </Text>
          <Group gap="xs" wrap="wrap">
            <Text size="sm">{t('connectors.ownApp.clientId')}</Text>
            <CopyValue value={s.ownApp.clientId} label={t('connectors.ownApp.clientId')} />
          </Group>
          <Group gap="xs" wrap="wrap">
            <Text size="sm">{t('connectors.ownApp.secret')}</Text>
            <CopyValue value={s.ownApp.clientSecret} label={t('connectors.ownApp.secret')} />
          </Group>
          <Button
            variant="white"
            color="grape"
            size="xs"
            w="fit-content"
            leftSection={<IconForms size={14} aria-hidden />}
            onClick={() =>
              onUseOwnApp({
                tenant: s.tenantId,
                clientId: s.ownApp.clientId,
                clientSecret: s.ownApp.clientSecret,
                secretExpiresAt: s.ownApp.secretExpiresAt.slice(0, 10),
              })
            }
          >
            {t('connectors.sandbox.fillOwnApp')}
          </Button>
        </Stack>
      </Stack>
    </Alert>
  );
}
