import { Alert, Anchor, Group, Text } from '@mantine/core';
import { IconPlugConnectedX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { useConnectors } from '../api/connectors.ts';
import { paths } from '../lib/paths.ts';

/** On every page of the workspace while a connector can no longer read any mailbox. */
export function AccessLostBanner({ ws, canManage }: { ws: string; canManage: boolean }) {
  const { t } = useTranslation();
  const location = useLocation();
  const connectors = useConnectors(ws);
  const lost = (connectors.data?.items ?? []).filter((c) => c.status === 'access_lost');
  if (lost.length === 0) return null;
  return (
    <Alert
      color="red"
      variant="filled"
      radius={0}
      icon={<IconPlugConnectedX aria-hidden />}
      className="access-banner"
      role="alert"
      data-testid="access-lost-banner"
      p="sm"
    >
      <Group gap="xs" wrap="wrap">
        <Text size="sm" fw={600} c="white">
          {t('banner.accessLost', { count: lost.length })}
        </Text>
        {lost.map((c) => {
          const to = paths.connector(ws, c.id);
          return location.pathname === to ? (
            <Text key={c.id} size="sm" c="white">
              {t('banner.thisConnector', { name: c.name })}
            </Text>
          ) : (
            <Anchor key={c.id} component={Link} to={to} size="sm" c="white" underline="always" fw={600}>
              {t(canManage ? 'banner.open' : 'banner.see', { name: c.name })}
            </Anchor>
          );
        })}
      </Group>
    </Alert>
  );
}
