import { Box, Group, Paper, SegmentedControl, Text, VisuallyHidden } from '@mantine/core';
import { IconMail } from '@tabler/icons-react';
import type { Locale } from '@mailroom/contracts';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.ts';
import { currentLocale } from '../i18n/index.ts';
import { useChangeLanguage } from '../lib/account.ts';

/** The frame of the pages seen before signing in: setup, sign-in, invitation. */
export function AuthLayout({ children, width = 420 }: { children: ReactNode; width?: number }) {
  const { t, i18n } = useTranslation();
  const changeLanguage = useChangeLanguage();
  const { data } = useSession();
  return (
    <div className="auth-page">
      <header className="auth-header">
        <Group gap={8} wrap="nowrap">
          <span className="brand-mark" aria-hidden>
            <IconMail size={18} stroke={2} />
          </span>
          <Text fw={700} size="lg">
            {t('app.name')}
          </Text>
        </Group>
        <Box>
          <VisuallyHidden id="language-label">{t('shell.language')}</VisuallyHidden>
          <SegmentedControl
            size="xs"
            aria-labelledby="language-label"
            value={currentLocale(i18n.resolvedLanguage)}
            onChange={(v) => void changeLanguage(v as Locale)}
            data={[
              { value: 'en', label: <span lang="en">English</span> },
              { value: 'fr', label: <span lang="fr">Français</span> },
            ]}
          />
        </Box>
      </header>
      <main id="main" className="auth-main">
        <Paper withBorder shadow="sm" radius="lg" p={{ base: 'lg', sm: 'xl' }} w="100%" maw={width}>
          {children}
        </Paper>
        {data?.sandbox && (
          <Text size="xs" c="dimmed" ta="center" mt="md" maw={width}>
            {t('auth.sandboxNote')}
          </Text>
        )}
      </main>
    </div>
  );
}
