import { Badge, Group, Text, VisuallyHidden, type MantineColor } from '@mantine/core';
import {
  IconAlertTriangle,
  IconCircleCheck,
  IconCircleDashed,
  IconLoader2,
  IconPlugConnectedX,
} from '@tabler/icons-react';
import type { ConnectorStatus } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { RelativeTime } from './RelativeTime.tsx';

const look: Record<ConnectorStatus, { color: MantineColor; Icon: typeof IconCircleCheck }> = {
  not_connected: { color: 'gray', Icon: IconCircleDashed },
  connecting: { color: 'blue', Icon: IconLoader2 },
  connected: { color: 'teal', Icon: IconCircleCheck },
  degraded: { color: 'orange', Icon: IconAlertTriangle },
  access_lost: { color: 'red', Icon: IconPlugConnectedX },
};

/** A connector's state, always in words (never colour alone), with the time of the last change. */
export function StatusBadge({
  status,
  changedAt,
  withTime = true,
}: {
  status: ConnectorStatus;
  changedAt?: string;
  withTime?: boolean;
}) {
  const { t } = useTranslation();
  const { color, Icon } = look[status] ?? look.not_connected;
  return (
    <Group gap={8} wrap="nowrap" data-status={status}>
      <Badge
        color={color}
        variant="light"
        radius="sm"
        size="md"
        tt="none"
        leftSection={
          <Icon size={14} stroke={2} aria-hidden className={status === 'connecting' ? 'spin' : undefined} />
        }
        data-testid="connector-status"
      >
        <VisuallyHidden>{t('connectors.statusPrefix')} </VisuallyHidden>
        {t(`connectors.status.${status}`)}
      </Badge>
      {withTime && changedAt && (
        <Text size="sm" c="dimmed" component="span">
          <VisuallyHidden>{t('connectors.statusSince')} </VisuallyHidden>
          <RelativeTime iso={changedAt} />
        </Text>
      )}
    </Group>
  );
}
