import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, type Locale, type SessionInfo, type User } from '@mailroom/contracts';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { fetchSession, http } from '../api/client.ts';
import { sessionKey } from '../api/session.ts';
import { SIGNED_OUT_FLAG } from '../api/queryClient.ts';
import { LOCALE_STORAGE_KEY } from '../i18n/index.ts';

/** Switches the language now, remembers it in this browser and, when signed in, in the account. */
export function useChangeLanguage() {
  const qc = useQueryClient();
  const { i18n } = useTranslation();
  return async (locale: Locale) => {
    const session = qc.getQueryData<SessionInfo>(sessionKey);
    if (session?.user)
      qc.setQueryData<SessionInfo>(sessionKey, { ...session, user: { ...session.user, locale } });
    try {
      localStorage.setItem(LOCALE_STORAGE_KEY, locale);
    } catch {
      // Storage unavailable: the language still changes for this visit.
    }
    await i18n.changeLanguage(locale);
    if (session?.user) {
      try {
        await http.patch<User>(api.me, { locale });
      } catch {
        // Not worth interrupting anyone: the language is still switched and kept in this browser.
      }
    }
  };
}

export function useSignOut() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: () => http.post<void>(api.logout),
    onSettled: async () => {
      // Whatever the answer, forget everything this user could see and read a fresh session (new CSRF token).
      try {
        sessionStorage.setItem(SIGNED_OUT_FLAG, '1');
      } catch {
        // The sign-in page just won't say "you have been signed out".
      }
      const session = await fetchSession().catch(() => undefined);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
      if (session) qc.setQueryData(sessionKey, session);
      else await qc.invalidateQueries({ queryKey: sessionKey });
      await navigate('/sign-in', { replace: true });
    },
  });
}
