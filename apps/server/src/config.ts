import type { HotPolling } from './core/hot-polling.ts';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the server reads, parsed once and frozen. A bad or missing value stops
 * the process with one line that names the variable (see `loadConfig`).
 */
const roleNames = ['api', 'worker'] as const;

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Fastify's `trustProxy`: whose X-Forwarded-For to believe about the client's address. No hop count:
 * Fastify ignores those (a count cannot tell a proxy from a client that sends the header itself).
 */
export type TrustProxy = boolean | readonly string[];

/** proxy-addr's names for address ranges, accepted by Fastify next to addresses and CIDR ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry) || isIP(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (!family || extra !== undefined || !/^\d{1,3}$/.test(bits ?? '')) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const trustProxy = z
  .string()
  .trim()
  .transform((v, ctx): TrustProxy => {
    if (v === 'false' || v === '') return false;
    if (v === 'true') return true;
    const entries = v
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    const bad = entries.find((e) => !isProxyAddress(e));
    if (bad === undefined) return Object.freeze(entries);
    ctx.addIssue({
      code: 'custom',
      message: `"${bad}" is none of: false, true, an IP address or CIDR range, loopback, linklocal, uniquelocal`,
    });
    return z.NEVER;
  });

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  MAILROOM_DATA_DIR: z.string().min(1).optional(),
  MAILROOM_ENCRYPTION_KEY: z.string().min(1).optional(),
  MAILROOM_ENCRYPTION_KEYS_PREVIOUS: z.string().optional(),
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
  ROLES: z
    .string()
    .default('api,worker')
    .transform((s) =>
      s
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(roleNames)).min(1, 'must name at least one of api, worker')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_IDLE_HOURS: z.coerce
    .number()
    .positive()
    .default(24 * 7),
  SESSION_ABSOLUTE_DAYS: z.coerce.number().positive().default(30),
  COOKIE_SECURE: bool.optional(),
  TRUST_PROXY: trustProxy.default(false),
  MICROSOFT_CLIENT_ID: z.guid({ message: 'must be a GUID (the application (client) ID)' }).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(),
  MICROSOFT_AUTHORITY_HOST: z
    .url({ protocol: /^https$/, message: 'must be an https URL' })
    .default('https://login.microsoftonline.com'),
  MICROSOFT_GRAPH_URL: z
    .url({ protocol: /^https$/, message: 'must be an https URL' })
    .default('https://graph.microsoft.com'),
  MICROSOFT_CA_FILE: z.string().min(1).optional(),
  MAILROOM_SANDBOX: bool.optional(),
  MAILROOM_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  // 45 s: a loss of access sync cannot see (a disabled user's tokens still work) shows within a minute (issue 19 §4).
  CONNECTOR_HEALTH_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(45),
  CONNECTOR_TRANSIENT_ALARM_MINUTES: z.coerce.number().min(0).default(15),
  SYNC_RECONCILE_SECONDS: z.coerce.number().int().min(1).default(300),
  // Hot folders (decision 0021): polled while their newest mail is this recent (0: never polled).
  SYNC_HOT_MINUTES: z.coerce.number().min(0).default(30),
  SYNC_HOT_MAX_SECONDS: z.coerce.number().min(1).max(300).default(5),
  SYNC_HOT_MIN_MS: z.coerce.number().int().min(100).max(60_000).default(250),
  SYNC_HOT_BUDGET_SHARE: z.coerce.number().gt(0).max(0.5).default(0.05),
  OUTFLOW_RETRY_BASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(15),
  MAILROOM_PUSH: bool.default(true),
  WEBHOOK_ALLOW_PRIVATE: bool.default(false),
  METRICS_TOKEN: z.string().min(16).optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  WEBHOOK_RETRY_FIRST_SECONDS: z.coerce.number().min(0.05).max(3600).default(5),
  WEBHOOK_DISABLE_AFTER_HOURS: z.coerce
    .number()
    .min(0.001)
    .max(24 * 30)
    .default(72),
  WEBHOOK_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(60).default(10),
  /** Webhook deliveries in flight per worker process, and to one endpoint (a slow one holds no more). */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  /** The largest file the upload API takes (Exchange Online's own message limit is 150 MB). */
  UPLOAD_MAX_MB: z.coerce.number().min(1).max(1024).default(150),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(1).default(25),
  BLOB_STORE: z.enum(['fs', 'azure']).default('fs'),
  MAILROOM_BLOB_DIR: z.string().min(1).optional(),
  AZURE_STORAGE_CONNECTION_STRING: z.string().trim().min(1).optional(),
  AZURE_STORAGE_CONTAINER: z
    .string()
    .regex(
      /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      'must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit',
    )
    .default('mailroom-blobs'),
});

export type Role = (typeof roleNames)[number];

/**
 * Where emails and attachments are stored (decision 0017): a directory, or an Azure Blob Storage
 * container. The connection string holds the account key or a SAS token: it is a non-enumerable
 * property, so that a logged or serialised config never shows it.
 */
export type BlobStoreConfig =
  | { readonly kind: 'fs'; readonly dir: string }
  | { readonly kind: 'azure'; readonly container: string; readonly connectionString: string };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly encryptionKey: string | undefined;
  readonly previousEncryptionKeys: readonly string[];
  readonly publicBaseUrl: string;
  readonly roles: readonly Role[];
  readonly logLevel: string;
  readonly sessionIdleMs: number;
  readonly sessionAbsoluteMs: number;
  readonly cookieSecure: boolean;
  /**
   * Which reverse proxies may tell the client's address (X-Forwarded-For): sign-in limits count per
   * client (decision 0003). false = the TCP peer is the client.
   */
  readonly trustProxy: TrustProxy;
  readonly sandbox: boolean;
  /** HTTPS port of the built-in Microsoft 365 emulator in sandbox mode (0 = any free port). */
  readonly sandboxPort: number;
  /** How often each connection is probed (and delegated tokens kept fresh). */
  readonly connectorHealthIntervalMs: number;
  /** Throttling, timeouts and 5xx stay quiet until they last this long. */
  readonly connectorTransientAlarmMs: number;
  /** Every active folder gets a delta round at least this often, notifications or not. */
  readonly syncReconcileMs: number;
  /** Which folders are polled between notifications, and how often (decision 0021). */
  readonly hotPolling: Readonly<HotPolling>;
  /** First wait before an outflow action that failed for a passing reason is tried again (doubling, up to an hour). */
  readonly outflowRetryBaseSeconds: number;
  /** Graph change notifications (needs PUBLIC_BASE_URL reachable by Microsoft); off = reconciliation only. */
  readonly push: boolean;
  /** Bearer token Prometheus sends to /metrics; unset = /metrics answers this machine only. */
  readonly metricsToken: string | undefined;
  /** A port of its own for this process's `/metrics` (a ROLES=worker process has no API); on HOST. */
  readonly metricsPort: number | undefined;
  /** Webhook targets on private, loopback and link-local networks are allowed (refused by default: SSRF). */
  readonly webhookAllowPrivate: boolean;
  /** The first retry's wait for a failed webhook delivery; the schedule scales from it (≥ 24 h in all at 5 s). */
  readonly webhookFirstRetryMs: number;
  /** An endpoint whose every delivery failed for this long is disabled. */
  readonly webhookDisableAfterMs: number;
  /** A receiver must answer within this long. */
  readonly webhookTimeoutMs: number;
  /** Deliveries in flight per process, and per endpoint within it. */
  readonly webhookConcurrency: number;
  readonly webhookEndpointConcurrency: number;
  /** The largest file `POST …/documents` (upload) takes. */
  readonly uploadMaxBytes: number;
  /** PUBLIC_BASE_URL was given (otherwise the address the server listens on is used for notifications). */
  readonly publicBaseUrlSet: boolean;
  readonly shutdownGraceMs: number;
  readonly blobStore: BlobStoreConfig;
  readonly microsoft: {
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
    readonly authorityHost: string;
    readonly graphUrl: string;
    /** Extra CA (PEM file) to trust for Microsoft endpoints: a TLS-inspecting proxy, or an emulator. */
    readonly caFile: string | undefined;
  };
}

export class ConfigError extends Error {}

/** Parses `env` (default: process.env) into a frozen Config, or throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const shown = env[name] === undefined ? 'is missing' : `is invalid: ${issue.message}`;
    throw new ConfigError(`Configuration error: ${name} ${shown}`);
  }
  const e = parsed.data;
  if (e.DATABASE_URL && !e.MAILROOM_ENCRYPTION_KEY) {
    // With a shared PostgreSQL several processes must share one key; a generated key would diverge.
    throw new ConfigError(
      'Configuration error: MAILROOM_ENCRYPTION_KEY is missing (required when DATABASE_URL is set)',
    );
  }
  if (Boolean(e.MICROSOFT_CLIENT_ID) !== Boolean(e.MICROSOFT_CLIENT_SECRET)) {
    const missing = e.MICROSOFT_CLIENT_ID ? 'MICROSOFT_CLIENT_SECRET' : 'MICROSOFT_CLIENT_ID';
    throw new ConfigError(
      `Configuration error: ${missing} is missing (set both Microsoft app settings or neither)`,
    );
  }
  if (e.BLOB_STORE === 'azure' && !e.AZURE_STORAGE_CONNECTION_STRING) {
    throw new ConfigError(
      'Configuration error: AZURE_STORAGE_CONNECTION_STRING is missing (required when BLOB_STORE=azure)',
    );
  }
  // npm sets INIT_CWD to where `npm start` was typed, so ./data lands in the repository root.
  const baseDir = env.INIT_CWD ?? process.cwd();
  const dataDir = path.resolve(baseDir, e.MAILROOM_DATA_DIR ?? 'data');
  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    encryptionKey: e.MAILROOM_ENCRYPTION_KEY,
    previousEncryptionKeys: Object.freeze(
      (e.MAILROOM_ENCRYPTION_KEYS_PREVIOUS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    publicBaseUrl,
    roles: Object.freeze([...new Set(e.ROLES)]),
    logLevel: e.LOG_LEVEL,
    sessionIdleMs: e.SESSION_IDLE_HOURS * 3_600_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_DAYS * 86_400_000,
    cookieSecure: e.COOKIE_SECURE ?? publicBaseUrl.startsWith('https://'),
    trustProxy: e.TRUST_PROXY,
    // No Microsoft app configured → the built-in Microsoft 365 emulator is the tenant.
    sandbox: e.MAILROOM_SANDBOX ?? !e.MICROSOFT_CLIENT_ID,
    sandboxPort: e.MAILROOM_SANDBOX_PORT,
    connectorHealthIntervalMs: e.CONNECTOR_HEALTH_INTERVAL_SECONDS * 1000,
    connectorTransientAlarmMs: e.CONNECTOR_TRANSIENT_ALARM_MINUTES * 60_000,
    syncReconcileMs: e.SYNC_RECONCILE_SECONDS * 1000,
    hotPolling: Object.freeze({
      windowMs: Math.round(e.SYNC_HOT_MINUTES * 60_000),
      minMs: e.SYNC_HOT_MIN_MS,
      maxMs: Math.max(e.SYNC_HOT_MIN_MS, Math.round(e.SYNC_HOT_MAX_SECONDS * 1000)),
      budgetShare: e.SYNC_HOT_BUDGET_SHARE,
    }),
    outflowRetryBaseSeconds: e.OUTFLOW_RETRY_BASE_SECONDS,
    push: e.MAILROOM_PUSH,
    metricsToken: e.METRICS_TOKEN,
    metricsPort: e.METRICS_PORT,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE,
    webhookFirstRetryMs: Math.round(e.WEBHOOK_RETRY_FIRST_SECONDS * 1000),
    webhookDisableAfterMs: Math.round(e.WEBHOOK_DISABLE_AFTER_HOURS * 3_600_000),
    webhookTimeoutMs: Math.round(e.WEBHOOK_TIMEOUT_SECONDS * 1000),
    webhookConcurrency: e.WEBHOOK_CONCURRENCY,
    webhookEndpointConcurrency: e.WEBHOOK_ENDPOINT_CONCURRENCY,
    uploadMaxBytes: Math.round(e.UPLOAD_MAX_MB * 1024 * 1024),
    publicBaseUrlSet: e.PUBLIC_BASE_URL !== undefined,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    blobStore:
      e.BLOB_STORE === 'azure'
        ? azureBlobStore(e.AZURE_STORAGE_CONTAINER, e.AZURE_STORAGE_CONNECTION_STRING!)
        : Object.freeze({
            kind: 'fs' as const,
            dir: path.resolve(baseDir, e.MAILROOM_BLOB_DIR ?? path.join(dataDir, 'blobs')),
          }),
    microsoft: Object.freeze({
      clientId: e.MICROSOFT_CLIENT_ID,
      clientSecret: e.MICROSOFT_CLIENT_SECRET,
      authorityHost: e.MICROSOFT_AUTHORITY_HOST.replace(/\/+$/, ''),
      graphUrl: e.MICROSOFT_GRAPH_URL.replace(/\/+$/, ''),
      caFile: e.MICROSOFT_CA_FILE,
    }),
  });
}

/** The Azure settings, the connection string kept out of every enumeration (JSON, logs, inspection). */
function azureBlobStore(container: string, connectionString: string): BlobStoreConfig {
  const settings = { kind: 'azure' as const, container };
  Object.defineProperty(settings, 'connectionString', { value: connectionString, enumerable: false });
  return Object.freeze(settings as BlobStoreConfig);
}
