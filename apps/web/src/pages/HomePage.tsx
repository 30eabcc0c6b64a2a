import {
  Alert,
  Anchor,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import { IconArrowRight, IconFlask, IconInbox, IconPlugConnected, IconUsers } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useConnectors } from '../api/connectors.ts';
import { useSession } from '../api/session.ts';
import { PageHeading } from '../components/PageHeading.tsx';
import { paths } from '../lib/paths.ts';
import { useCurrentWorkspace } from '../lib/workspace.ts';

export function HomePage() {
  const { t } = useTranslation();
  const ws = useCurrentWorkspace();
  const { data: session } = useSession();
  const connectors = useConnectors(ws.id);
  const items = connectors.data?.items ?? [];
  const connected = items.filter((c) => c.status === 'connected').length;
  const firstName = session?.user?.name.split(/\s+/)[0] ?? '';

  return (
    <div className="page">
      <Stack gap="xl">
        <div>
          <PageHeading docTitle={ws.name}>{t('home.welcome', { name: firstName })}</PageHeading>
          <Text c="dimmed" mt={6}>
            {t('home.intro', { workspace: ws.name })}
          </Text>
        </div>

        {session?.sandbox && (
          <Alert
            color="grape"
            variant="light"
            icon={<IconFlask aria-hidden />}
            title={t('home.sandboxTitle')}
          >
            {t('home.sandboxBody')}
          </Alert>
        )}

        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
          <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="home-connectors">
            <Stack gap="sm" h="100%">
              <Group gap="sm" wrap="nowrap">
                <ThemeIcon variant="light" size={40} radius="md" aria-hidden>
                  <IconPlugConnected size={22} />
                </ThemeIcon>
                <Title order={2} size="h4" id="home-connectors">
                  {t('settings.sections.connectors')}
                </Title>
              </Group>
              {connectors.isPending ? (
                <Skeleton h={20} w="60%" />
              ) : (
                <Text>
                  {items.length === 0
                    ? t('home.connectorsNone')
                    : t('home.connectorsSummary', { count: items.length, connected })}
                </Text>
              )}
              <Text size="sm" c="dimmed">
                {t('home.connectorsHint')}
              </Text>
              <Group mt="auto">
                <Button
                  component={Link}
                  to={paths.settings(ws.id, 'connectors')}
                  rightSection={<IconArrowRight size={16} aria-hidden />}
                  variant={items.length === 0 ? 'filled' : 'light'}
                >
                  {t('home.goToConnectors')}
                </Button>
              </Group>
            </Stack>
          </Paper>

          <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="home-inboxes">
            <Stack gap="sm" h="100%">
              <Group gap="sm" wrap="nowrap">
                <ThemeIcon variant="light" size={40} radius="md" aria-hidden>
                  <IconInbox size={22} />
                </ThemeIcon>
                <Title order={2} size="h4" id="home-inboxes">
                  {t('home.inboxesTitle')}
                </Title>
              </Group>
              <Text>{t('home.inboxesBody')}</Text>
              <Text size="sm" c="dimmed">
                {t('home.inboxesHint')}
              </Text>
              <Group mt="auto">
                <Button
                  component={Link}
                  to={paths.inbox(ws.id)}
                  rightSection={<IconArrowRight size={16} aria-hidden />}
                  variant="light"
                >
                  {t('home.goToInbox')}
                </Button>
              </Group>
            </Stack>
          </Paper>
        </SimpleGrid>

        <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="home-people">
          <Group justify="space-between" wrap="wrap" gap="sm">
            <Group gap="sm" wrap="nowrap">
              <ThemeIcon variant="light" color="gray" size={40} radius="md" aria-hidden>
                <IconUsers size={22} />
              </ThemeIcon>
              <div>
                <Title order={2} size="h4" id="home-people">
                  {t('settings.sections.people')}
                </Title>
                <Text size="sm" c="dimmed">
                  {t(`home.role.${ws.role}`)}
                </Text>
              </div>
            </Group>
            <Anchor component={Link} to={paths.settings(ws.id, 'people')}>
              {ws.canManage ? t('home.invitePeople') : t('home.seePeople')}
            </Anchor>
          </Group>
        </Paper>
      </Stack>
    </div>
  );
}
