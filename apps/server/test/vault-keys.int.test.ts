import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { api, type Connector } from '@mailroom/contracts';
import { DEMO } from '@mailroom/m365-emulator';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { connectorCredentials, vaultKeyCanaries } from '../src/db/schema/index.ts';
import { vaultContext } from '../src/connectors/token-broker.ts';
import { createVault, VaultError } from '../src/security/vault.ts';
import { startServer, type RunningServer } from '../src/server.ts';
import { connectedOwnApp, waitFor } from './connect-helpers.ts';
import { Client, createTestDatabase, setUp, startTestApp, type TestApp } from './helpers.ts';
import { runMain } from './main-process.ts';

/**
 * A wrong but well-formed encryption key used to start silently: probes then failed as "transient"
 * and the connector stayed "connected". The boot now checks that the configured keys open what is
 * stored (a canary per key id), and a credential that does not decrypt is a named cause.
 */
const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

/** One installation (data directory, and a PostgreSQL database when testing on it) started again and again. */
async function installation() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mailroom-keys-'));
  const database = await createTestDatabase();
  const env = (keys: { current: string; previous?: string[] }) => ({
    PORT: '0',
    LOG_LEVEL: 'silent',
    SHUTDOWN_GRACE_SECONDS: '2',
    MAILROOM_SANDBOX_PORT: '0',
    MAILROOM_PUSH: 'false',
    MAILROOM_DATA_DIR: dataDir,
    MAILROOM_ENCRYPTION_KEY: keys.current,
    ...(keys.previous ? { MAILROOM_ENCRYPTION_KEYS_PREVIOUS: keys.previous.join(',') } : {}),
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
  return {
    env,
    start: (keys: { current: string; previous?: string[] }) =>
      startServer(loadConfig(env(keys)), pino({ level: 'silent' }), { webDist: null }),
    async dispose() {
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let running: RunningServer | undefined;
let install: Awaited<ReturnType<typeof installation>> | undefined;
let app: TestApp | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  await install?.dispose();
  install = undefined;
  await app?.close();
  app = undefined;
});

/** The helpers' view of a server started here. */
const asApp = (server: RunningServer) => ({ server }) as TestApp;

/** A client of a restarted server in the session `before` had (sessions are in the database). */
function sameSession(before: Client, server: RunningServer): Client {
  const c = new Client(asApp(server));
  for (const [name, value] of before.cookies) c.cookies.set(name, value);
  c.csrf = before.csrf;
  return c;
}

const canaries = async (server: RunningServer) =>
  (await server.database.db.select().from(vaultKeyCanaries)).map((r) => r.keyId).sort();

describe('the boot checks the encryption keys against what is stored', () => {
  it(
    'a different key under the same id: one line naming the key id and what to do, exit 1',
    { timeout: 120_000 },
    async () => {
      install = await installation();
      const original = key('k1');
      running = await install.start({ current: original });
      expect(await canaries(running)).toEqual(['k1']);
      await running.close();
      running = undefined;

      const wrong = key('k1');
      await expect(install.start({ current: wrong })).rejects.toThrow(VaultError);
      await expect(install.start({ current: wrong })).rejects.toThrow(
        /the key with id "k1" in MAILROOM_ENCRYPTION_KEY is not the one this installation's secrets were encrypted with: set MAILROOM_ENCRYPTION_KEY back to the original key with id "k1"/,
      );
      const r = await runMain(install.env({ current: wrong }));
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^Mailroom cannot start: encryption key problem: the key with id "k1" in MAILROOM_ENCRYPTION_KEY is not the one/,
      );

      // The right key still opens everything.
      running = await install.start({ current: original });
    },
  );

  it(
    'rotation: the previous key is checked with its own canary, the new key gets one; a secret under a key no longer configured stops the boot',
    { timeout: 180_000 },
    async () => {
      install = await installation();
      const k1 = key('k1');
      running = await install.start({ current: k1 });
      const { client: admin, workspaceId } = await setUp(asApp(running));
      const connectorId = await connectedOwnApp(admin, workspaceId, 'Claims');
      await running.close();
      running = undefined;

      // The new key alone: the stored secrets were made with k1, which nothing opens any more.
      const k2 = key('k2');
      await expect(install.start({ current: k2 })).rejects.toThrow(
        /stored secrets were encrypted with the key id "k1", which is not configured .*MAILROOM_ENCRYPTION_KEYS_PREVIOUS/,
      );
      // A wrong key given as the previous one is refused with that variable's name.
      await expect(install.start({ current: k2, previous: [key('k1')] })).rejects.toThrow(
        /the key with id "k1" in MAILROOM_ENCRYPTION_KEYS_PREVIOUS is not the one .*put the original key with id "k1" in MAILROOM_ENCRYPTION_KEYS_PREVIOUS/,
      );

      // The rotation as documented: it starts, k2 gets its canary, and the connection still works.
      running = await install.start({ current: k2, previous: [k1] });
      expect(await canaries(running)).toEqual(['k1', 'k2']);
      const c = sameSession(admin, running);
      const checked = await c.post<Connector>(api.checkConnector(workspaceId, connectorId));
      expect(checked.body.status).toBe('connected');
      await running.close();
      running = undefined;

      // k2's canary now guards it too.
      await expect(install.start({ current: key('k2'), previous: [k1] })).rejects.toThrow(
        /the key with id "k2" in MAILROOM_ENCRYPTION_KEY is not the one/,
      );
    },
  );
});

describe('a stored credential that cannot be decrypted', () => {
  it(
    'is a named cause on the connector, not a transient failure; connecting again fixes it',
    { timeout: 120_000 },
    async () => {
      app = await startTestApp({ MAILROOM_PUSH: 'false' });
      const { client: admin, workspaceId } = await setUp(app);
      const id = await connectedOwnApp(admin, workspaceId, 'Claims');

      // What a process with another key under the same id leaves behind (a misconfigured second server).
      const impostor = createVault({ id: app.server.vault.activeKeyId, key: randomBytes(32) });
      await app.server.database.db
        .update(connectorCredentials)
        .set({ clientSecret: impostor.encrypt(DEMO.customerApp.clientSecret, vaultContext.clientSecret(id)) })
        .where(eq(connectorCredentials.connectorId, id));

      const checked = (await admin.post<Connector>(api.checkConnector(workspaceId, id))).body;
      expect(checked.status).toBe('access_lost');
      expect(checked.problem?.cause).toBe('credential_unreadable');
      expect(checked.problem?.detail).toMatch(/client secret/);
      expect(checked.problem?.detail).not.toContain(DEMO.customerApp.clientSecret);

      const again = await admin.post(api.connectOwnApp(workspaceId, id), {
        tenant: DEMO.contoso.domain,
        clientId: DEMO.customerApp.clientId,
        clientSecret: DEMO.customerApp.clientSecret,
        secretExpiresAt: '2099-12-31',
      });
      expect(again.status).toBe(200);
      await waitFor(admin, workspaceId, id, (c) => c.status === 'connected', 'connected again');
    },
  );
});
