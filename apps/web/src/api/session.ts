import { useQuery } from '@tanstack/react-query';
import type { SessionInfo } from '@mailroom/contracts';
import { fetchSession } from './client.ts';

/** The session's cache key: sign-in, setup, joining and a session that ended all write it directly. */
export const sessionKey = ['session'] as const;

export function useSession() {
  return useQuery<SessionInfo>({ queryKey: sessionKey, queryFn: fetchSession, staleTime: 60_000 });
}
