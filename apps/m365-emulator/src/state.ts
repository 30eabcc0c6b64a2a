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
  /** Access tokens (Entra: 60–90 min; default 3599 as in the docs' examples). */
  accessTokenSeconds: number;
  idTokenSeconds: number;
  /** Authorization codes (≈10 min). */
  authCodeSeconds: number;
  /** Refresh token inactivity window (90 days); over it → AADSTS700082. */
  refreshTokenIdleSeconds: number;
  /** Browser sign-in session (ESTSAUTH cookie) lifetime. */
  sessionSeconds: number;
}

export const DEFAULT_LIFETIMES: TokenLifetimes = {
  accessTokenSeconds: 3599,
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
