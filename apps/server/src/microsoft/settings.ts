import { readFileSync } from 'node:fs';
import type { Config } from '../config.ts';
import { createMicrosoftHttp, type MicrosoftHttp } from './http.ts';

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

/** Production: Microsoft's cloud and the operator's multi-tenant app from the configuration. */
export function cloudSettings(config: Config): MicrosoftSettings {
  const extraCaPem = config.microsoft.caFile ? readFileSync(config.microsoft.caFile, 'utf8') : undefined;
  return {
    authorityHost: config.microsoft.authorityHost,
    graphUrl: config.microsoft.graphUrl,
    app:
      config.microsoft.clientId && config.microsoft.clientSecret
        ? { clientId: config.microsoft.clientId, clientSecret: config.microsoft.clientSecret }
        : undefined,
    sandbox: false,
    http: createMicrosoftHttp({ extraCaPem }),
  };
}
