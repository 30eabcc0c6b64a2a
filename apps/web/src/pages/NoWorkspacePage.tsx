import { Button, Center, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { PageHeading } from '../components/PageHeading.tsx';
import { useSignOut } from '../lib/account.ts';

/** Signed in, but removed from every workspace. */
export function NoWorkspacePage() {
  const { t } = useTranslation();
  const signOut = useSignOut();
  return (
    <Center mih="100vh" component="main" id="main" p="md">
      <Stack gap="sm" align="center" ta="center" maw={440}>
        <PageHeading size="h2">{t('noWorkspace.title')}</PageHeading>
        <Text c="dimmed">{t('noWorkspace.body')}</Text>
        <Button variant="default" onClick={() => signOut.mutate()} loading={signOut.isPending}>
          {t('shell.signOut')}
        </Button>
      </Stack>
    </Center>
  );
}
