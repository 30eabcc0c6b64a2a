import { Anchor, Avatar, Badge, Box, Group, Menu, Text, Tooltip, UnstyledButton } from '@mantine/core';
import {
  IconCheck,
  IconChevronDown,
  IconFlask,
  IconInbox,
  IconLanguage,
  IconLogout,
  IconMail,
  IconSettings,
} from '@tabler/icons-react';
import type { Locale, WorkspaceSummary } from '@mailroom/contracts';
import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { useSession } from '../api/session.ts';
import { AccessLostBanner } from './AccessLostBanner.tsx';
import { currentLocale } from '../i18n/index.ts';
import { useChangeLanguage, useSignOut } from '../lib/account.ts';
import { paths, rememberWorkspace } from '../lib/paths.ts';
import { WorkspaceContext, type CurrentWorkspace } from '../lib/workspace.ts';
import { NotFoundPage } from '../pages/NotFoundPage.tsx';

const languages: { value: Locale; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'fr', label: 'Français' },
];

function WorkspaceSwitcher({ current, all }: { current: WorkspaceSummary; all: WorkspaceSummary[] }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  if (all.length < 2) {
    return (
      <Text fw={600} truncate="end" maw={260} data-testid="workspace-name">
        {current.name}
      </Text>
    );
  }
  return (
    <Menu position="bottom-start" width={260} withinPortal>
      <Menu.Target>
        <UnstyledButton
          className="topbar-button"
          aria-label={t('shell.switchWorkspace', { name: current.name })}
        >
          <Group gap={6} wrap="nowrap">
            <Text fw={600} truncate="end" maw={240} data-testid="workspace-name">
              {current.name}
            </Text>
            <IconChevronDown size={16} aria-hidden />
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('shell.workspaces')}</Menu.Label>
        {all.map((w) => (
          <Menu.Item
            key={w.id}
            onClick={() => void navigate(paths.home(w.id))}
            rightSection={w.id === current.id ? <IconCheck size={16} aria-hidden /> : null}
            aria-current={w.id === current.id ? 'true' : undefined}
          >
            <Text size="sm" truncate="end">
              {w.name}
            </Text>
            <Text size="xs" c="dimmed">
              {t(`roles.${w.role}`)}
            </Text>
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

function ProfileMenu({ ws }: { ws: CurrentWorkspace }) {
  const { t, i18n } = useTranslation();
  const { data } = useSession();
  const navigate = useNavigate();
  const changeLanguage = useChangeLanguage();
  const signOut = useSignOut();
  const user = data?.user;
  if (!user) return null;
  const locale = currentLocale(i18n.resolvedLanguage);
  return (
    <Menu position="bottom-end" width={260} withinPortal>
      <Menu.Target>
        <UnstyledButton
          className="topbar-button avatar-button"
          aria-label={t('shell.accountMenu', { name: user.name })}
        >
          <Avatar name={user.name} color="initials" radius="xl" size={36} aria-hidden />
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Box px="sm" py={6}>
          <Text size="sm" fw={600} truncate="end">
            {user.name}
          </Text>
          <Text size="xs" c="dimmed" truncate="end">
            {user.email}
          </Text>
        </Box>
        <Menu.Divider />
        <Menu.Item
          leftSection={<IconSettings size={16} aria-hidden />}
          onClick={() => void navigate(paths.settings(ws.id))}
        >
          {t('shell.workspaceSettings')}
        </Menu.Item>
        <Menu.Divider />
        <Menu.Label>
          <Group gap={6}>
            <IconLanguage size={14} aria-hidden />
            {t('shell.language')}
          </Group>
        </Menu.Label>
        <Menu.RadioGroup value={locale} onChange={(v) => void changeLanguage(v as Locale)}>
          {languages.map((l) => (
            <Menu.RadioItem key={l.value} value={l.value} lang={l.value} closeMenuOnClick>
              {l.label}
            </Menu.RadioItem>
          ))}
        </Menu.RadioGroup>
        <Menu.Divider />
        <Menu.Item
          leftSection={<IconLogout size={16} aria-hidden />}
          onClick={() => signOut.mutate()}
          disabled={signOut.isPending}
        >
          {t('shell.signOut')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

export function WorkspaceShell() {
  const { t } = useTranslation();
  const { workspaceId = '' } = useParams();
  const { data } = useSession();
  const location = useLocation();
  const summary = data?.workspaces.find((w) => w.id === workspaceId);
  const ws = useMemo<CurrentWorkspace | null>(
    () => (summary ? { ...summary, canManage: summary.role === 'owner' || summary.role === 'admin' } : null),
    [summary],
  );

  useEffect(() => {
    if (ws) rememberWorkspace(ws.id);
  }, [ws]);

  if (!ws || !data) return <NotFoundPage standalone />;

  return (
    <WorkspaceContext.Provider value={ws}>
      <a href="#main" className="skip-link">
        {t('shell.skipToContent')}
      </a>
      <header className="topbar">
        <Group gap="md" wrap="nowrap" className="topbar-left">
          <Anchor
            component={Link}
            to={paths.home(ws.id)}
            underline="never"
            c="inherit"
            className="brand"
            aria-label={t('shell.homeLink')}
          >
            <Group gap={8} wrap="nowrap">
              <span className="brand-mark" aria-hidden>
                <IconMail size={18} stroke={2} />
              </span>
              <Text fw={700} size="lg" className="brand-name">
                {t('app.name')}
              </Text>
            </Group>
          </Anchor>
          <span className="topbar-sep" aria-hidden />
          <WorkspaceSwitcher current={ws} all={data.workspaces} />
          {data.sandbox && (
            <Tooltip label={t('shell.sandboxHint')} multiline w={280} withArrow>
              <Badge
                color="grape"
                variant="light"
                tt="none"
                size="lg"
                radius="sm"
                leftSection={<IconFlask size={14} aria-hidden />}
                className="sandbox-badge"
                tabIndex={0}
              >
                {t('shell.sandbox')}
              </Badge>
            </Tooltip>
          )}
        </Group>
        <Group gap="sm" wrap="nowrap">
          <NavLink to={paths.inbox(ws.id)} className="topbar-link">
            <IconInbox size={18} stroke={1.75} aria-hidden />
            <span>{t('shell.inbox')}</span>
          </NavLink>
          <ProfileMenu ws={ws} />
        </Group>
      </header>
      <main id="main" tabIndex={-1} className="main" key={ws.id} data-path={location.pathname}>
        <AccessLostBanner ws={ws.id} canManage={ws.canManage} />
        <Outlet />
      </main>
    </WorkspaceContext.Provider>
  );
}
