import { Badge } from '@mantine/core';
import type { DocumentStatus } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';

const COLORS: Record<DocumentStatus, string> = {
  new: 'blue',
  approved: 'teal',
  bounced: 'orange',
  deleted: 'gray',
  filtered: 'grape',
};

export function StatusBadge({ status }: { status: DocumentStatus }) {
  const { t } = useTranslation();
  return (
    <Badge size="xs" variant="light" color={COLORS[status]} tt="none" data-testid="document-status">
      {t(`status.${status}`)}
    </Badge>
  );
}
