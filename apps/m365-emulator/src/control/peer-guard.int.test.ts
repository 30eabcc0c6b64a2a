import { request } from 'node:https';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';

/** One HTTPS request to `host` (certificate checked as localhost's), answered as status + JSON. */
function call(
  emu: Emulator,
  host: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host, port: emu.port, method, path, headers, ca: emu.caPem, servername: 'localhost', agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : null }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const outward = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

describe('control API: programs on this machine only', () => {
  let emu: Emulator;
  beforeAll(async () => {
    // Bound to every address, as `--host 0.0.0.0` does to let other machines sign in.
    emu = await createEmulator({ host: '0.0.0.0' });
  });
  afterAll(() => emu.close());

  it('answers a program on this machine', async () => {
    expect((await call(emu, '127.0.0.1', 'GET', '/__emulator/health')).status).toBe(200);
    expect((await emu.control.state()).tenants.length).toBeGreaterThan(0);
  });

  it.skipIf(!outward)(
    'refuses another machine (any case of the path), while Entra and Graph still answer it',
    async () => {
      for (const path of [
        '/__emulator/health',
        '/__EMULATOR/state',
        '/__emulator/users/' + DEMO.contoso.admin,
      ]) {
        const r = await call(emu, outward!, 'GET', path);
        expect(r.status, path).toBe(403);
        expect(r.body).toMatchObject({
          error: { code: 'forbidden', message: expect.stringMatching(/the machine the emulator runs on/) },
        });
      }
      const reset = await call(emu, outward!, 'POST', '/__emulator/reset');
      expect(reset.status).toBe(403);
      const discovery = await call(
        emu,
        outward!,
        'GET',
        `/${DEMO.contoso.tenantId}/v2.0/.well-known/openid-configuration`,
      );
      expect(discovery.status).toBe(200);
    },
  );

  it('refuses web pages, which reach loopback from a local browser', async () => {
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }] as Record<
      string,
      string
    >[]) {
      const r = await call(emu, '127.0.0.1', 'POST', '/__emulator/reset', headers);
      expect(r.status).toBe(403);
      expect(r.body).toMatchObject({ error: { message: expect.stringMatching(/web pages/) } });
    }
    // Someone typing the address in the browser's bar is not a page acting for them.
    expect(
      (await call(emu, '127.0.0.1', 'GET', '/__emulator/health', { 'sec-fetch-site': 'none' })).status,
    ).toBe(200);
  });
});
