import { Button, Center, Loader, Stack, Text, Title } from '@mantine/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation, useSearchParams } from 'react-router';
import { useSession } from '../api/session.ts';
import { SIGNED_OUT_FLAG } from '../api/queryClient.ts';
import { currentLocale } from '../i18n/index.ts';
import { errorMessage } from '../lib/errors.ts';
import { lastWorkspace, paths, safeNext } from '../lib/paths.ts';
import { NoWorkspacePage } from '../pages/NoWorkspacePage.tsx';

export function FullPageLoader() {
  const { t } = useTranslation();
  return (
    <Center h="100vh" role="status" aria-live="polite">
      <Stack align="center" gap="sm">
        <Loader aria-hidden />
        <Text c="dimmed">{t('app.loading')}</Text>
      </Stack>
    </Center>
  );
}

/** Reads the session first; sends everyone to the setup page until the first workspace exists. */
export function Root() {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const location = useLocation();
  const userLocale = session.data?.user?.locale;

  // The account remembers the language; it wins once someone is signed in.
  useEffect(() => {
    if (userLocale && userLocale !== currentLocale()) void i18n.changeLanguage(userLocale);
  }, [userLocale, i18n]);

  if (session.isPending) return <FullPageLoader />;
  if (session.isError) {
    return (
      <Center h="100vh" p="md">
        <Stack align="center" gap="sm" maw={420} ta="center" role="alert">
          <Title order={1} size="h3">
            {t('app.unreachableTitle')}
          </Title>
          <Text c="dimmed">{errorMessage(t, session.error)}</Text>
          <Button onClick={() => void session.refetch()} loading={session.isFetching}>
            {t('common.retry')}
          </Button>
        </Stack>
      </Center>
    );
  }
  const { setupRequired } = session.data;
  if (setupRequired && location.pathname !== '/setup') return <Navigate to="/setup" replace />;
  if (!setupRequired && location.pathname === '/setup') return <Navigate to="/" replace />;
  return <Outlet />;
}

/** The sign-in page is for people who are not signed in. */
export function PublicOnly() {
  const { data } = useSession();
  const [params] = useSearchParams();
  if (data?.user) return <Navigate to={safeNext(params.get('next'))} replace />;
  return <Outlet />;
}

export function RequireUser() {
  const { data } = useSession();
  const location = useLocation();
  if (!data?.user) {
    // After "Sign out" the next sign-in starts from the home page; after an expired session it
    // brings the person back where they were.
    const here = location.pathname + location.search;
    const to = here === '/' || justSignedOut() ? '/sign-in' : `/sign-in?next=${encodeURIComponent(here)}`;
    return <Navigate to={to} replace />;
  }
  return <Outlet />;
}

function justSignedOut(): boolean {
  try {
    return sessionStorage.getItem(SIGNED_OUT_FLAG) !== null;
  } catch {
    return false;
  }
}

export function RedirectToWorkspace() {
  const { data } = useSession();
  const workspaces = data?.workspaces ?? [];
  const remembered = lastWorkspace();
  const ws = workspaces.find((w) => w.id === remembered) ?? workspaces[0];
  if (!ws) return <NoWorkspacePage />;
  return <Navigate to={paths.home(ws.id)} replace />;
}
