import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest } from './https-client.ts';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** A server that resets the connection on the given request number of each socket, without answering. */
async function resettingServer(resetOn: number): Promise<{ url: string; seen: () => number }> {
  const perSocket = new WeakMap<Socket, number>();
  let seen = 0;
  server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    seen++;
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    if (n === resetOn) req.socket.destroy();
    else res.end('ok');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen: () => seen };
}

describe('rawRequest', () => {
  it('sends a request again when a reused keep-alive socket is reset under it (the server closing it idle)', async () => {
    const s = await resettingServer(2);
    expect((await rawRequest(s.url, undefined)).body.toString()).toBe('ok');
    // The second request goes out on the kept-alive socket, which the server resets: it is sent
    // once more on a new socket and answered.
    const again = await rawRequest(s.url, undefined);
    expect(again.status).toBe(200);
    expect(again.body.toString()).toBe('ok');
    expect(s.seen()).toBe(3);
  });

  it('returns a reset on a new socket as the error it is, without sending the request again', async () => {
    const s = await resettingServer(1);
    await expect(rawRequest(s.url, undefined)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(s.seen()).toBe(1);
  });
});
