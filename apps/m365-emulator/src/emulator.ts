import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createClock } from './util/clock.ts';
import { loadTlsMaterial } from './tls/store.ts';
import { createServerCert } from './tls/certs.ts';
import { Directory } from './tenant/directory.ts';
import type { DirectoryData } from './tenant/model.ts';
import { TokenSigner } from './entra/jwt.ts';
import { RequestLog } from './http/request-log.ts';
import { DEFAULT_LIFETIMES, withFixedAccessToken, type EmulatorState, type TokenLifetimes } from './state.ts';
import { applySeed, demoSeed, readSeedFile, validateSeed } from './seed/load.ts';
import type { SeedFile } from './seed/schema.ts';
import { buildRouter, createHttpsServer } from './server.ts';
import { EmulatorControl } from './control/client.ts';
import type { Router } from './http/router.ts';
import { MailStore } from './mail/store.ts';
import { Throttler, type ThrottleConfig } from './mail/throttle.ts';
import { Faults } from './faults/faults.ts';
import { DeltaTokens } from './mail/delta-tokens.ts';
import { Subscriptions, type NotificationSettings } from './notify/subscriptions.ts';
import { OutboundLog } from './mail/outbound.ts';
import { seedDemoMail } from './seed/demo-mail.ts';
import { mailFileFor, readMailFile } from './mail/persist.ts';

export interface EmulatorOptions {
  /** A seed object, a seed file path (.json/.yaml), or 'demo' (default: the Contoso Insurance demo). */
  seed?: SeedFile | string;
  /** Where the CA, certificates and snapshots live (default: a fresh temporary directory, removed on close). */
  dataDir?: string;
  /** TCP port (default 0: a random free port). */
  port?: number;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  tokenLifetimes?: Partial<TokenLifetimes>;
  /**
   * Load `dataDir/snapshot.json` instead of the seed when it exists, and the mail saved with it
   * (`snapshot.mail.json`) instead of generating the demo mail.
   */
  loadSnapshot?: boolean;
  /** Throttling (Microsoft's limits by default); `{ enabled: false }` switches it off. */
  throttling?: Partial<ThrottleConfig>;
  /** Generate the demo mail (~200 emails) at start; default: true with the demo seed. */
  demoMail?: boolean;
  /**
   * Change-notification settings (Microsoft's by default). A local dev server receiving webhooks on
   * http://localhost needs `{ allowHttp: true }` (Graph itself only POSTs to https).
   */
  notifications?: Partial<NotificationSettings>;
}

export interface Emulator {
  /** `https://localhost:PORT` — authority host and Graph base (`${url}/v1.0`). */
  url: string;
  port: number;
  /** PEM of the local CA that signed the server certificate (trust it in clients). */
  caPem: string;
  /** Absolute path of the CA file (for NODE_EXTRA_CA_CERTS). */
  caFile: string;
  dataDir: string;
  control: EmulatorControl;
  /** In-process access to the emulator's state (directory, clock, tokens) for tests and part 2. */
  state: EmulatorState;
  router: Router;
  /**
   * A key and certificate for `hostnames` signed by the emulator's CA, for a local HTTPS webhook
   * receiver: the emulator trusts its own CA when it POSTs notifications.
   */
  issueServerCertificate(hostnames?: string[]): { keyPem: string; certPem: string };
  close(): Promise<void>;
}

function resolveSeed(seed: SeedFile | string | undefined): SeedFile {
  if (seed === undefined || seed === 'demo') return demoSeed();
  if (typeof seed === 'string') return readSeedFile(seed);
  return validateSeed(seed);
}

/** 2026-01-01: message numbers start at the seconds since then (below 2^32 until 2162). */
const NUMBERS_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * Message numbers (part of every item id) never repeat across restarts: they start past the block
 * the last run recorded in `file` (kept in the data directory), and never below the seconds since
 * 2026 — which also keeps a fresh temporary directory's ids apart from an earlier run's.
 */
function continueMessageNumbers(store: MailStore, file: string | undefined): void {
  const byTime = Math.max(1, Math.floor((Date.now() - NUMBERS_EPOCH_MS) / 1000));
  if (!file) return store.continueNumbers(byTime);
  let recorded = 0;
  try {
    recorded = Number((JSON.parse(readFileSync(file, 'utf8')) as { reservedTo?: unknown }).reservedTo) || 0;
  } catch {
    // No record yet (first start) or unreadable: the time floor applies.
  }
  store.continueNumbers(Math.max(byTime, recorded), (upTo) =>
    writeFileSync(file, JSON.stringify({ reservedTo: upTo })),
  );
}

/** Starts an emulator (HTTPS) in this process. */
export async function createEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'm365-emulator-'));
  const tls = loadTlsMaterial(dataDir);
  const seed = resolveSeed(opts.seed);
  const initialLifetimes = { ...DEFAULT_LIFETIMES, ...withFixedAccessToken(opts.tokenLifetimes ?? {}) };
  const clock = createClock();
  const st: EmulatorState = {
    dir: new Directory(),
    clock,
    lifetimes: { ...initialLifetimes },
    signer: new TokenSigner(tls.signing),
    log: new RequestLog(),
    baseUrl: '',
    codes: new Map(),
    refreshTokens: new Map(),
    sessions: new Map(),
    mail: new MailStore(() => clock.now()),
    throttle: new Throttler(),
    faults: new Faults(),
    deltaTokens: new DeltaTokens(),
    subscriptions: new Subscriptions([tls.ca.certPem]),
    outbound: new OutboundLog(),
  };
  st.throttle.reset(opts.throttling);
  st.subscriptions.attach({ mail: st.mail, faults: st.faults, dir: st.dir, clock });
  Object.assign(st.subscriptions.settings, opts.notifications);
  const demoMail = opts.demoMail ?? (opts.seed === undefined || opts.seed === 'demo');
  continueMessageNumbers(st.mail, ownDir ? undefined : join(dataDir, 'mail-ids.json'));
  const snapshotFile = join(dataDir, 'snapshot.json');
  let mailLoaded = false;
  if (opts.loadSnapshot && existsSync(snapshotFile)) {
    st.dir.load(JSON.parse(readFileSync(snapshotFile, 'utf8')) as DirectoryData);
    mailLoaded = readMailFile(mailFileFor(snapshotFile), st.mail);
  } else {
    applySeed(st.dir, seed, clock.now());
  }
  if (demoMail && !mailLoaded) seedDemoMail(st);
  const reset = () => {
    st.dir.clear();
    clock.advance(-clock.offsetSeconds());
    applySeed(st.dir, seed, clock.now());
    st.codes.clear();
    st.refreshTokens.clear();
    st.sessions.clear();
    st.log.clear();
    Object.assign(st.lifetimes, initialLifetimes);
    st.mail.clear();
    st.throttle.reset(opts.throttling);
    st.faults.clear();
    st.deltaTokens.evict();
    st.subscriptions.clear();
    Object.assign(st.subscriptions.settings, opts.notifications);
    st.outbound.clear();
    if (demoMail) seedDemoMail(st);
  };
  // Forget long-expired codes and idle refresh tokens so a long-running sandbox stays small.
  const sweeper = setInterval(() => {
    const now = clock.now();
    const codeTtl = Math.max(st.lifetimes.authCodeSeconds * 2, 3600) * 1000;
    for (const [k, c] of st.codes) if (now - c.issuedMs > codeTtl) st.codes.delete(k);
    const rtTtl = st.lifetimes.refreshTokenIdleSeconds * 1000 * 2;
    for (const [k, r] of st.refreshTokens) if (now - r.issuedMs > rtTtl) st.refreshTokens.delete(k);
  }, 60_000);
  sweeper.unref();
  const router = buildRouter(st, { reset, dataDir });
  const server = createHttpsServer(st, router, tls.server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  st.baseUrl = `https://localhost:${port}`;
  const control = new EmulatorControl(st.baseUrl, tls.ca.certPem);
  return {
    url: st.baseUrl,
    port,
    caPem: tls.ca.certPem,
    caFile: tls.caFile,
    dataDir,
    control,
    state: st,
    router,
    issueServerCertificate: (hostnames = ['localhost']) => createServerCert(tls.ca, hostnames),
    close: async () => {
      clearInterval(sweeper);
      st.subscriptions.close();
      control.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
