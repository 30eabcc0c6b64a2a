import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import type { SessionInfo } from '@mailroom/contracts';
import { ApiError } from './client.ts';
import { sessionKey } from './session.ts';

export const SESSION_EXPIRED_FLAG = 'mailroom.sessionExpired';
export const SIGNED_OUT_FLAG = 'mailroom.signedOut';

function onApiError(err: unknown) {
  // A session that ended (expired, signed out elsewhere): forget the user; the route guard then
  // sends them to the sign-in page and brings them back where they were afterwards.
  if (err instanceof ApiError && err.needsSignIn) {
    const session = queryClient.getQueryData<SessionInfo>(sessionKey);
    if (session?.user) {
      queryClient.setQueryData<SessionInfo>(sessionKey, { ...session, user: null, workspaces: [] });
      sessionStorage.setItem(SESSION_EXPIRED_FLAG, err.code);
    }
    void queryClient.invalidateQueries({ queryKey: sessionKey });
  }
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: onApiError }),
  mutationCache: new MutationCache({ onError: onApiError }),
  defaultOptions: {
    queries: {
      retry: (count, err) => {
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) return false;
        return count < 2;
      },
      staleTime: 10_000,
    },
    mutations: { retry: false },
  },
});
