import path from 'node:path';
import type { SandboxInfo } from '@mailroom/contracts';
import type * as Emulator from '@mailroom/m365-emulator';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createMicrosoftHttp } from '../microsoft/http.ts';
import type { MicrosoftSettings } from '../microsoft/settings.ts';

export interface SandboxTenant {
  readonly settings: MicrosoftSettings;
  readonly info: SandboxInfo;
  /** The emulator's own control client (tests use it to change the tenant). */
  readonly control: Emulator.EmulatorControl;
  readonly url: string;
  /** The emulator's local CA (tests' HTTP clients trust it). */
  readonly caPem: string;
  close(): Promise<void>;
}

export class SandboxStartError extends Error {}

/**
 * Sandbox mode: the built-in Microsoft 365 emulator, seeded with the demo insurer, runs in this
 * process and stands in for login.microsoftonline.com and graph.microsoft.com. Its state (consents,
 * users, tokens) is kept in `data/m365-emulator/snapshot.json` across restarts.
 */
export async function startSandboxTenant(config: Config, logger: Logger): Promise<SandboxTenant> {
  const { createEmulator, DEMO } = await loadEmulator();
  const dataDir = path.join(config.dataDir, 'm365-emulator');
  let emu;
  try {
    // Loopback only, whatever HOST Mailroom itself listens on: the emulator's control API has no
    // sign-in (it also refuses other peers and web pages itself), and only this machine's browser
    // signs in at the sandbox tenant.
    emu = await createEmulator({
      seed: 'demo',
      dataDir,
      host: '127.0.0.1',
      port: config.sandboxPort,
      loadSnapshot: true,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new SandboxStartError(
        `the sandbox Microsoft 365 tenant cannot listen on port ${config.sandboxPort} (in use); set MAILROOM_SANDBOX_PORT to a free port`,
      );
    }
    throw err;
  }
  // Microsoft only redirects to registered URIs: register this server's callbacks.
  for (const p of ['/api/v1/oauth/microsoft/callback', '/api/v1/oauth/microsoft/admin-consent/callback']) {
    await emu.control
      .addRedirectUri(DEMO.mailroomApp.clientId, `${config.publicBaseUrl}${p}`)
      .catch(() => undefined);
  }
  // Mailroom listens on plain http on this machine; Microsoft itself would insist on https.
  await emu.control.setNotificationSettings({ allowHttp: true });
  const save = () =>
    emu.control
      .saveSnapshot()
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'sandbox snapshot not saved'));
  const timer = setInterval(() => void save(), 60_000);
  timer.unref();
  const http = createMicrosoftHttp({ extraCaPem: emu.caPem });
  logger.info({ url: emu.url, tenant: DEMO.contoso.name }, 'sandbox Microsoft 365 tenant running (emulator)');
  const c = DEMO.contoso;
  return {
    url: emu.url,
    caPem: emu.caPem,
    control: emu.control,
    settings: {
      authorityHost: emu.url,
      graphUrl: emu.url,
      app: { clientId: DEMO.mailroomApp.clientId, clientSecret: DEMO.mailroomApp.clientSecret },
      sandbox: true,
      http,
    },
    info: {
      tenantName: c.name,
      tenantId: c.tenantId,
      accounts: [
        { upn: c.admin, password: c.password, role: 'Global administrator', roleKey: 'admin' as const },
        ...c.handlers.map((upn) => ({
          upn,
          password: c.password,
          role: 'Claims handler (full access to claims@ and production@)',
          roleKey: 'handler' as const,
        })),
      ],
      ownApp: {
        clientId: DEMO.customerApp.clientId,
        clientSecret: DEMO.customerApp.clientSecret,
        secretExpiresAt: '2099-12-31',
      },
    },
    async close() {
      clearInterval(timer);
      await save();
      await http.close();
      await emu.close();
    },
  };
}

/**
 * The emulator is a development dependency of the server, loaded only in sandbox mode: an installation
 * without development dependencies runs against Microsoft 365, and sandbox mode there says how to get
 * the emulator or how to do without it.
 */
async function loadEmulator(): Promise<typeof Emulator> {
  try {
    return await import('@mailroom/m365-emulator');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new SandboxStartError(
      `sandbox mode runs the built-in Microsoft 365 emulator (@mailroom/m365-emulator), which is not installed (${(err as Error).message}): ` +
        'install the development dependencies with `npm install` (not `--omit=dev`), or set MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET to use Microsoft 365',
    );
  }
}
