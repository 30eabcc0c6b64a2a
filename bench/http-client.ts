// `node bench/http-client.ts`: the CPU one Graph-like request costs the client, with undici's `fetch`
// and with its `request` (decision 0025). A child process serves a delta page that found nothing
// (a reconciliation round's answer) over TLS on localhost; this process sends the requests, 10 at a
// time, with the headers MailClient sends, and reads its own CPU time (`process.cpuUsage`) around
// each series. The figure is the client's: the server runs in the other process.
//
//   BENCH_HTTP_REQUESTS (3000)  requests per series; each client runs two series, alternating
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:https';
import { Agent, fetch, request } from 'undici';
import { createCa, createServerCert } from '../apps/m365-emulator/src/tls/certs.ts';

if (process.argv[2] === 'serve') {
  const { key, cert } = JSON.parse(process.env.BENCH_HTTP_TLS ?? '{}') as { key: string; cert: string };
  const page = JSON.stringify({
    '@odata.context': 'https://localhost/v1.0/$metadata#Collection(message)',
    value: [],
    '@odata.deltaLink': `https://localhost/v1.0/users/u/mailFolders/f/messages/delta?$deltatoken=${'a'.repeat(300)}`,
  });
  const server = createServer({ key, cert }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(page));
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
} else {
  const ca = createCa();
  const tls = createServerCert(ca, ['localhost']);
  const child = fork(import.meta.filename, ['serve'], {
    env: { ...process.env, BENCH_HTTP_TLS: JSON.stringify({ key: tls.keyPem, cert: tls.certPem }) },
  });
  const [port] = (await once(child, 'message')) as [number];
  const agent = new Agent({ connect: { ca: [ca.certPem] }, connections: 64 });
  const url = `https://localhost:${port}/v1.0/users/u/mailFolders/f/messages/delta?$deltatoken=${'b'.repeat(300)}`;
  const headers = () => ({
    authorization: `Bearer ${'x'.repeat(1200)}`,
    prefer: 'IdType="ImmutableId", odata.maxpagesize=100',
    'client-request-id': randomUUID(),
  });
  const clients: Record<string, () => Promise<unknown>> = {
    fetch: async () => (await fetch(url, { headers: headers(), dispatcher: agent })).json(),
    request: async () => (await request(url, { headers: headers(), dispatcher: agent })).body.json(),
  };
  const n = Number(process.env.BENCH_HTTP_REQUESTS ?? 3000);
  for (const name of ['fetch', 'request', 'fetch', 'request']) {
    const send = clients[name]!;
    for (let i = 0; i < 1000; i++) await send(); // warm: connections open, code compiled
    const before = process.cpuUsage();
    for (let i = 0; i < n / 10; i++) await Promise.all(Array.from({ length: 10 }, send));
    const used = process.cpuUsage(before);
    console.log(
      `${name.padEnd(8)} ${((used.user + used.system) / n / 1000).toFixed(3)} ms of CPU per request`,
    );
  }
  await agent.close();
  child.kill();
}
