import { inspect } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('gives working defaults for the embedded sandbox', () => {
    const c = loadConfig({ INIT_CWD: '/srv/mailroom' });
    expect(c.port).toBe(3000);
    expect(c.dataDir).toBe('/srv/mailroom/data');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.roles).toEqual(['api', 'worker']);
    expect(c.sandbox).toBe(true);
    expect(c.publicBaseUrl).toBe('http://localhost:3000');
    expect(c.cookieSecure).toBe(false);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names the variable when a value is invalid', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^Configuration error: PORT is invalid/);
    expect(() => loadConfig({ ROLES: 'api,cook' })).toThrow(/^Configuration error: ROLES is invalid/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(
      /^Configuration error: DATABASE_URL is invalid: must be a postgres/,
    );
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'not a url' })).toThrow(/PUBLIC_BASE_URL is invalid/);
  });

  it('names the missing variable', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x' })).toThrow(
      'Configuration error: MAILROOM_ENCRYPTION_KEY is missing (required when DATABASE_URL is set)',
    );
    expect(() => loadConfig({ MICROSOFT_CLIENT_ID: '11111111-2222-3333-4444-555555555555' })).toThrow(
      /MICROSOFT_CLIENT_SECRET is missing/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x' })).toThrow(ConfigError);
  });

  it('takes production settings', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://db/mailroom',
      MAILROOM_ENCRYPTION_KEY: 'k1:' + Buffer.alloc(32, 1).toString('base64'),
      MAILROOM_ENCRYPTION_KEYS_PREVIOUS: 'a, b',
      PUBLIC_BASE_URL: 'https://mailroom.example.com/',
      ROLES: 'worker',
      MICROSOFT_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
      MICROSOFT_CLIENT_SECRET: 's',
    });
    expect(c.publicBaseUrl).toBe('https://mailroom.example.com');
    expect(c.cookieSecure).toBe(true);
    expect(c.roles).toEqual(['worker']);
    expect(c.previousEncryptionKeys).toEqual(['a', 'b']);
    expect(c.sandbox).toBe(false);
  });

  it('reads TRUST_PROXY: off by default, or the proxies to believe', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    // A hop count is refused: Fastify would quietly trust nobody.
    expect(() => loadConfig({ TRUST_PROXY: '1' })).toThrow(/TRUST_PROXY is invalid: "1" is none of/);
    expect(
      loadConfig({ TRUST_PROXY: '10.0.0.1, 172.16.0.0/12, ::1, fd00::/8, loopback' }).trustProxy,
    ).toEqual(['10.0.0.1', '172.16.0.0/12', '::1', 'fd00::/8', 'loopback']);
    expect(() => loadConfig({ TRUST_PROXY: 'yes please' })).toThrow(
      /^Configuration error: TRUST_PROXY is invalid: "yes please"/,
    );
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(
      /TRUST_PROXY is invalid: "10.0.0.0\/33"/,
    );
  });

  it('keeps blobs in the data directory unless told otherwise (BLOB_STORE, decision 0017)', () => {
    expect(loadConfig({ INIT_CWD: '/srv/mailroom' }).blobStore).toEqual({
      kind: 'fs',
      dir: '/srv/mailroom/data/blobs',
    });
    // One directory every process mounts, apart from each process's own data directory.
    expect(
      loadConfig({ INIT_CWD: '/srv/mailroom', MAILROOM_BLOB_DIR: '/mnt/shared/blobs' }).blobStore,
    ).toEqual({
      kind: 'fs',
      dir: '/mnt/shared/blobs',
    });
    expect(() => loadConfig({ BLOB_STORE: 's3' })).toThrow(/^Configuration error: BLOB_STORE is invalid/);
    expect(() => loadConfig({ BLOB_STORE: 'azure' })).toThrow(
      'Configuration error: AZURE_STORAGE_CONNECTION_STRING is missing (required when BLOB_STORE=azure)',
    );
    for (const bad of ['Mailroom', 'ab', 'a--b', '-blobs', 'x'.repeat(64)]) {
      expect(() => loadConfig({ AZURE_STORAGE_CONTAINER: bad }), bad).toThrow(
        /^Configuration error: AZURE_STORAGE_CONTAINER is invalid: must be 3 to 63 lowercase letters/,
      );
    }
  });

  it('takes Azure Blob Storage, and never shows its connection string (JSON, inspection, logs)', () => {
    const key = 'c2VjcmV0LWFjY291bnQta2V5LW5ldmVyLWxvZ2dlZA==';
    const connectionString = `DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=${key};EndpointSuffix=core.windows.net`;
    const c = loadConfig({ BLOB_STORE: 'azure', AZURE_STORAGE_CONNECTION_STRING: connectionString });
    expect(c.blobStore).toMatchObject({ kind: 'azure', container: 'mailroom-blobs' });
    expect(c.blobStore.kind === 'azure' && c.blobStore.connectionString).toBe(connectionString);
    expect(
      loadConfig({
        BLOB_STORE: 'azure',
        AZURE_STORAGE_CONNECTION_STRING: connectionString,
        AZURE_STORAGE_CONTAINER: 'claims-2026',
      }).blobStore,
    ).toMatchObject({ container: 'claims-2026' });

    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    logger.info({ config: c }, 'config');
    logger.info(c, 'config at the top');
    for (const dump of [JSON.stringify(c), inspect(c, { depth: null }), String(c.blobStore), ...lines]) {
      expect(dump).not.toContain(key);
      expect(dump).not.toContain('AccountKey');
    }
    expect(lines.join('')).toContain('mailroom-blobs');
  });
});
