import type { Clock } from './util/clock.ts';
import type { Directory } from './tenant/directory.ts';
import type { TokenSigner } from './entra/jwt.ts';
import type { RequestLog } from './http/request-log.ts';
import type { MailStore } from './mail/store.ts';
import type { Throttler } from './mail/throttle.ts';
import type { Faults } from './faults/faults.ts';
import type { DeltaTokens } from './mail/delta-tokens.ts';
import type { Subscriptions } from './notify/subscriptions.ts';
import type { OutboundLog } from './mail/outbound.ts';

/** Token lifetimes in seconds (configurable so tests can expire things quickly). */
export interface TokenLifetimes {
  /**
   * Access tokens live a random time between these two (Entra: 60–90 min, reference §1.6), so a client
   * must read `expires_in` rather than assume an hour. Setting only `accessTokenSeconds` (tests) makes
   * the lifetime exactly that.
   */
  accessTokenSeconds: number;
  accessTokenMaxSeconds: number;
  idTokenSeconds: number;
  /** Authorization codes (≈10 min). */
  authCodeSeconds: number;
  /** Refresh token inactivity window (90 days); over it → AADSTS700082. */
  refreshTokenIdleSeconds: number;
  /** Browser sign-in session (ESTSAUTH cookie) lifetime. */
  sessionSeconds: number;
}

export const DEFAULT_LIFETIMES: TokenLifetimes = {
  accessTokenSeconds: 3600,
  accessTokenMaxSeconds: 5400,
  idTokenSeconds: 3600,
  authCodeSeconds: 600,
  refreshTokenIdleSeconds: 90 * 24 * 3600,
  sessionSeconds: 24 * 3600,
};

export interface AuthCodeRecord {
  clientId: string;
  redirectUri: string;
  tenantId: string;
  userId: string;
  scope: string;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | 'plain';
  sid: string;
  authTimeSeconds: number;
  issuedMs: number;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  clientId: string;
  tenantId: string;
  userId: string;
  /** The scope string the grant covers (as requested at sign-in). */
  scope: string;
  sid: string;
  authTimeSeconds: number;
  issuedMs: number;
}

export interface SessionRecord {
  id: string;
  /** userId → sign-in time (ms). */
  accounts: Map<string, number>;
  createdMs: number;
}

/** Everything the endpoints share. */
export interface EmulatorState {
  dir: Directory;
  clock: Clock;
  lifetimes: TokenLifetimes;
  signer: TokenSigner;
  log: RequestLog;
  /** `https://localhost:PORT` (no trailing slash), known once listening. */
  baseUrl: string;
  codes: Map<string, AuthCodeRecord>;
  refreshTokens: Map<string, RefreshTokenRecord>;
  sessions: Map<string, SessionRecord>;
  /** Part 2: every mailbox's folders and messages. */
  mail: MailStore;
  throttle: Throttler;
  faults: Faults;
  deltaTokens: DeltaTokens;
  subscriptions: Subscriptions;
  /** Mail sent to addresses outside the emulated tenants. */
  outbound: OutboundLog;
}

/** The lifetime of the next access token (seconds), in the configured range. */
export function accessTokenLifetime(lt: TokenLifetimes): number {
  const max = Math.max(lt.accessTokenSeconds, lt.accessTokenMaxSeconds);
  return lt.accessTokenSeconds + Math.floor(Math.random() * (max - lt.accessTokenSeconds + 1));
}

/** Lifetimes given without `accessTokenMaxSeconds` but with `accessTokenSeconds` mean exactly that long. */
export function withFixedAccessToken(l: Partial<TokenLifetimes>): Partial<TokenLifetimes> {
  return l.accessTokenSeconds !== undefined && l.accessTokenMaxSeconds === undefined
    ? { ...l, accessTokenMaxSeconds: l.accessTokenSeconds }
    : l;
}
