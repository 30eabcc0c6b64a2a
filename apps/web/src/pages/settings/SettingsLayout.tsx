import { Text } from '@mantine/core';
import {
  IconApi,
  IconInbox,
  IconListDetails,
  IconPlugConnected,
  IconSettings,
  IconUsers,
  IconWebhook,
} from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet } from 'react-router';
import { paths } from '../../lib/paths.ts';
import { useCurrentWorkspace } from '../../lib/workspace.ts';

const sections = [
  { slug: 'general', key: 'general', Icon: IconSettings },
  { slug: 'people', key: 'people', Icon: IconUsers },
  { slug: 'inboxes', key: 'inboxes', Icon: IconInbox },
  { slug: 'connectors', key: 'connectors', Icon: IconPlugConnected },
  { slug: 'api-keys', key: 'apiKeys', Icon: IconApi },
  { slug: 'webhooks', key: 'webhooks', Icon: IconWebhook },
  { slug: 'audit-log', key: 'auditLog', Icon: IconListDetails },
] as const;

/** Workspace settings: a menu on the left, the section on the right. */
export function SettingsLayout() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  return (
    <div className="settings">
      <nav className="settings-nav" aria-label={t('settings.navLabel')}>
        <Text size="xs" fw={700} c="dimmed" tt="uppercase" className="settings-nav-title">
          {t('settings.title')}
        </Text>
        <ul>
          {sections.map(({ slug, key, Icon }) => (
            <li key={slug}>
              <NavLink to={paths.settings(ws.id, slug)} className="settings-link">
                <Icon size={18} stroke={1.75} aria-hidden />
                <span>{t(`settings.sections.${key}`)}</span>
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="settings-content">
        <Outlet />
      </div>
    </div>
  );
}
