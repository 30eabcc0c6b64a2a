import { Button, Center, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { PageHeading } from '../components/PageHeading.tsx';

export function NotFoundPage({ standalone = false }: { standalone?: boolean }) {
  const { t } = useTranslation();
  const body = (
    <Stack gap="sm" align="center" ta="center" maw={440} py="xl" mx="auto">
      <PageHeading size="h2">{t('notFound.title')}</PageHeading>
      <Text c="dimmed">{t('notFound.body')}</Text>
      <Button component={Link} to="/" variant="default">
        {t('notFound.home')}
      </Button>
    </Stack>
  );
  return standalone ? (
    <Center mih="100vh" component="main" id="main" p="md">
      {body}
    </Center>
  ) : (
    body
  );
}
