import { Badge, Group, Text } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconHelpCircle } from '@tabler/icons-react';
import type { Connector, MailboxAccess } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';

/** A mailbox's access in words: readable, or what stands in the way. */
export function AccessResult({ access, connector }: { access: MailboxAccess; connector: Connector }) {
  const { t } = useTranslation();
  const tenant = connector.connection?.tenantName ?? t('connectors.problem.yourTenant');
  const color = access === 'readable' ? 'teal' : access === 'unknown' ? 'gray' : 'red';
  const Icon =
    access === 'readable' ? IconCircleCheck : access === 'unknown' ? IconHelpCircle : IconAlertTriangle;
  return (
    <Group gap={6} wrap="nowrap" align="flex-start" data-testid="access-result" data-access={access}>
      <Icon
        size={16}
        aria-hidden
        color={`var(--mantine-color-${color}-7)`}
        style={{ flex: 'none', marginTop: 2 }}
      />
      <Text size="sm" c={`${color}.8`}>
        {t(`mailboxes.access.${access}`, { tenant })}
      </Text>
    </Group>
  );
}

export function KindBadge({ kind }: { kind: string }) {
  const { t } = useTranslation();
  if (kind !== 'shared' && kind !== 'room') return null;
  return (
    <Badge size="sm" variant="light" color={kind === 'shared' ? 'indigo' : 'gray'} tt="none">
      {t(`mailboxes.kind.${kind}`)}
    </Badge>
  );
}
