#!/usr/bin/env node
// Graph mail throughput and memory of apps/m365-emulator (a measurement, not a test).
//
//   npm exec -- node bench/emulator-graph.mjs      (MESSAGES=100000 CONCURRENCY=16 GETS=5000 PAGE=100 ROUNDS=4)
//
// Starts the emulator CLI (demo tenant, no demo mail, throttling off) as a child process on a random
// loopback port, loads MESSAGES messages into claims@ through the control API (generated claim emails
// without attachments), and reports:
//   1. RSS before and after loading;
//   2. delta pages of PAGE messages per second: ROUNDS complete initial delta rounds of the inbox
//      (each round is sequential, nextLink after nextLink; the rounds run in parallel);
//   3. message GETs per second (GET /users/{id}/messages/{id}, default properties) at CONCURRENCY;
//   4. RSS at the end.
// Client and emulator share the machine's CPUs, so throughput figures are lower bounds.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'node:https';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'apps/m365-emulator/src/cli.ts');
const MESSAGES = Number(process.env.MESSAGES ?? 100_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const GETS = Number(process.env.GETS ?? 5000);
const PAGE = Number(process.env.PAGE ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const CONTOSO = 'b7d2c1a4-3e5f-4a6b-8c9d-0e1f2a3b4c5d';
const APP = {
  id: 'c0a5e0f1-2b3c-4d5e-8f70-8192a3b4c5d6',
  secret: 'Cto8Q~customer.Owned-Secret_0123456789abcd',
};
const MAILBOX = 'claims@contoso-insurance.com';

const dataDir = mkdtempSync(join(tmpdir(), 'emu-bench-graph-'));

function start() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [CLI, '--port', '0', '--data-dir', dataDir, '--demo-mail', 'off', '--throttling', 'off'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const url = /listening on (https:\/\/\S+)/.exec(out)?.[1];
      const ca = /CA certificate: (\S+)/.exec(out)?.[1];
      if (url && ca) resolve({ child, url, ca: readFileSync(ca, 'utf8') });
    });
    child.on('exit', (code) => reject(new Error(`emulator exited (${code}): ${out}`)));
  });
}

const rssMiB = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

function call(agent, method, url, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const quantile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);

try {
  console.log(
    `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); ${MESSAGES} messages, delta page ${PAGE}, ${ROUNDS} parallel rounds, ${GETS} GETs at concurrency ${CONCURRENCY}`,
  );
  const emu = await start();
  const agent = new Agent({ ca: emu.ca, keepAlive: true, maxSockets: 64 });
  await new Promise((r) => setTimeout(r, 500));
  const rssStart = rssMiB(emu.child.pid);

  // Load messages in chunks through the control API (generated claim emails, no attachments).
  const t0 = performance.now();
  for (let done = 0; done < MESSAGES;) {
    const n = Math.min(10_000, MESSAGES - done);
    const r = await call(agent, 'POST', `${emu.url}/__emulator/mailboxes/${MAILBOX}/generate`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: n, pdfs: 0, jpegs: 0, seed: done }),
    });
    if (r.status !== 200) throw new Error(`generate failed: ${r.status} ${r.text}`);
    done += n;
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  global.gc?.();
  await new Promise((r) => setTimeout(r, 1000));
  const rssLoaded = rssMiB(emu.child.pid);
  console.log(
    `loaded ${MESSAGES} messages in ${loadSeconds.toFixed(1)} s; RSS ${rssStart.toFixed(0)} MiB at start → ${rssLoaded.toFixed(0)} MiB (${(((rssLoaded - rssStart) * 1024 * 1024) / MESSAGES).toFixed(0)} bytes/message)`,
  );

  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: APP.id,
    client_secret: APP.secret,
    scope: 'https://graph.microsoft.com/.default',
  }).toString();
  const tok = JSON.parse(
    (
      await call(agent, 'POST', `${emu.url}/${CONTOSO}/oauth2/v2.0/token`, {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      })
    ).text,
  ).access_token;
  const auth = { authorization: `Bearer ${tok}`, prefer: `odata.maxpagesize=${PAGE}` };

  // ---- delta rounds ----
  const ids = [];
  const pageLatencies = [];
  const oneRound = async (collect) => {
    let url = `${emu.url}/v1.0/users/${MAILBOX}/mailFolders/inbox/messages/delta?$select=subject,receivedDateTime,from,isRead`;
    let items = 0;
    let pages = 0;
    for (;;) {
      const s = performance.now();
      const r = await call(agent, 'GET', url, { headers: auth });
      pageLatencies.push(performance.now() - s);
      if (r.status !== 200) throw new Error(`delta ${r.status} ${r.text.slice(0, 200)}`);
      const body = JSON.parse(r.text);
      pages++;
      items += body.value.length;
      if (collect) for (const v of body.value) ids.push(v.id);
      if (body['@odata.deltaLink']) return { items, pages };
      url = body['@odata.nextLink'];
    }
  };
  await oneRound(true); // warm-up round, also collects ids
  const d0 = performance.now();
  const rounds = await Promise.all(Array.from({ length: ROUNDS }, () => oneRound(false)));
  const dSeconds = (performance.now() - d0) / 1000;
  const pages = rounds.reduce((a, r) => a + r.pages, 0);
  const items = rounds.reduce((a, r) => a + r.items, 0);
  const lat = pageLatencies.slice(-pages).sort((a, b) => a - b);
  console.log(
    `delta: ${pages} pages of ${PAGE} (${items} messages) in ${dSeconds.toFixed(1)} s → ${Math.round(pages / dSeconds)} pages/s, ${Math.round(items / dSeconds)} messages/s (p50 ${quantile(lat, 0.5)} ms, p99 ${quantile(lat, 0.99)} ms per page)`,
  );

  // ---- message GETs ----
  const latencies = [];
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < GETS) {
      const id = ids[(next++ * 7919) % ids.length];
      const s = performance.now();
      const r = await call(agent, 'GET', `${emu.url}/v1.0/users/${MAILBOX}/messages/${id}`, {
        headers: { authorization: auth.authorization },
      });
      latencies.push(performance.now() - s);
      if (r.status !== 200) failures++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker)); // warm-up
  next = 0;
  latencies.length = 0;
  const g0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const gSeconds = (performance.now() - g0) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `message GET: ${GETS} in ${gSeconds.toFixed(1)} s → ${Math.round(GETS / gSeconds)} req/s (p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, failures ${failures})`,
  );
  console.log(`emulator RSS at the end: ${rssMiB(emu.child.pid).toFixed(0)} MiB`);
  agent.destroy();
  emu.child.kill('SIGTERM');
  await new Promise((r) => emu.child.once('exit', r));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
