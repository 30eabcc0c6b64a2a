import { Text } from '@mantine/core';
import type { FolderStatus } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { RelativeTime } from '../../../components/RelativeTime.tsx';

/**
 * How new mail reaches Mailroom for this folder: instantly (Microsoft notifies us), or by the
 * periodic check — and if so, why, in words an admin can act on.
 */
export function DeliveryStatus({ folder }: { folder: FolderStatus }) {
  const { t } = useTranslation();
  const d = folder.delivery;
  if (d.reason === 'inactive') return null;
  // Access lost through the connector: no mail arrives, however it would be delivered otherwise.
  if (folder.blockedBy)
    return (
      <div>
        <dt>{t('mailboxes.delivery.label')}</dt>
        <dd data-testid="delivery" data-mode="blocked">
          {t('mailboxes.delivery.blocked')}
        </dd>
      </div>
    );
  const minutes = d.pollMinutes;
  return (
    <div>
      <dt>{t('mailboxes.delivery.label')}</dt>
      <dd data-testid="delivery" data-mode={d.mode}>
        {d.mode === 'push' ? (
          <>
            {t('mailboxes.delivery.push')}
            {d.subscriptionExpiresAt && (
              <Text size="xs" c="dimmed" component="span" display="block">
                {t('mailboxes.delivery.renews')} <RelativeTime iso={d.subscriptionExpiresAt} />{' '}
                {t('mailboxes.delivery.renewedAutomatically')}
                {' · '}
                {t('mailboxes.delivery.lastNotification')}{' '}
                {d.lastNotificationAt ? (
                  <RelativeTime iso={d.lastNotificationAt} />
                ) : (
                  t('mailboxes.delivery.none')
                )}
              </Text>
            )}
          </>
        ) : (
          <>
            {t(`mailboxes.delivery.polling.${d.reason ?? 'disabled'}`, { count: minutes })}
            {d.detail && (
              <Text size="xs" c="orange.8" component="span" display="block" data-testid="delivery-detail">
                {d.detail}
              </Text>
            )}
          </>
        )}
        {d.rejectedNotifications > 0 && (
          <Text size="xs" c="orange.8" component="span" display="block" data-testid="delivery-rejected">
            {t('mailboxes.delivery.rejected', { count: d.rejectedNotifications })}
          </Text>
        )}
      </dd>
    </div>
  );
}
