import type { MicrosoftHttp } from './http.ts';

/** Where Mailroom's Microsoft identity and Graph live, and Mailroom's own multi-tenant app. */
export interface MicrosoftSettings {
  /** e.g. https://login.microsoftonline.com (no trailing slash). */
  readonly authorityHost: string;
  /** e.g. https://graph.microsoft.com (no trailing slash, no version). */
  readonly graphUrl: string;
  /** Mailroom's multi-tenant app; absent when only own app registrations can be used. */
  readonly app: { readonly clientId: string; readonly clientSecret: string } | undefined;
  readonly sandbox: boolean;
  readonly http: MicrosoftHttp;
}

/** `host[:port]` of the authority, for MSAL's `knownAuthorities` (it refuses hosts it does not know). */
export function authorityHostName(s: MicrosoftSettings): string {
  return new URL(s.authorityHost).host;
}
