#!/usr/bin/env node
// Token endpoint throughput and memory of apps/m365-emulator (a measurement, not a test).
//
//   npm exec -- node bench/emulator-token.mjs            (REQUESTS=5000 CONCURRENCY=32 USERS=10000)
//
// 1. Starts the emulator CLI (demo seed) as a child process on a random loopback port and fires a
//    bounded number of client_credentials requests (secret auth) over keep-alive HTTPS.
// 2. Starts it again with a generated seed of USERS users and reports its RSS, then pages
//    through /v1.0/users with an app token to check the directory is really there.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'node:https';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'apps/m365-emulator/src/cli.ts');
const REQUESTS = Number(process.env.REQUESTS ?? 5000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const USERS = Number(process.env.USERS ?? 10000);
const CONTOSO = 'b7d2c1a4-3e5f-4a6b-8c9d-0e1f2a3b4c5d';
const APP = {
  id: 'c0a5e0f1-2b3c-4d5e-8f70-8192a3b4c5d6',
  secret: 'Cto8Q~customer.Owned-Secret_0123456789abcd',
};

const dataDir = mkdtempSync(join(tmpdir(), 'emu-bench-'));

function start(extraArgs = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--port', '0', '--data-dir', dataDir, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
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

function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function post(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function get(agent, url, token) {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode, body: JSON.parse(Buffer.concat(chunks).toString()) }),
      );
    })
      .on('error', reject)
      .end();
  });
}

const form = new URLSearchParams({
  grant_type: 'client_credentials',
  client_id: APP.id,
  client_secret: APP.secret,
  scope: 'https://graph.microsoft.com/.default',
}).toString();

async function fire(agent, url, n) {
  const latencies = [];
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const t0 = performance.now();
      const res = await post(agent, url, form);
      latencies.push(performance.now() - t0);
      if (res.status !== 200) failures++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
  return {
    requests: n,
    failures,
    seconds: +seconds.toFixed(2),
    perSecond: Math.round(n / seconds),
    p50ms: q(0.5),
    p99ms: q(0.99),
  };
}

try {
  console.log(
    `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); ${REQUESTS} requests, concurrency ${CONCURRENCY}`,
  );
  // ---- 1. token endpoint throughput ----
  const demo = await start();
  await new Promise((r) => setTimeout(r, 1000));
  console.log(`emulator RSS at start (demo seed, 7+1 users): ${rssMiB(demo.child.pid).toFixed(0)} MiB`);
  const agent = new Agent({ ca: demo.ca, keepAlive: true, maxSockets: CONCURRENCY });
  const tokenUrl = `${demo.url}/${CONTOSO}/oauth2/v2.0/token`;
  await fire(agent, tokenUrl, Math.min(500, REQUESTS)); // warm-up (JIT, TLS sessions)
  const result = await fire(agent, tokenUrl, REQUESTS);
  console.log(
    `client_credentials: ${result.perSecond} req/s (${result.requests} in ${result.seconds}s, p50 ${result.p50ms} ms, p99 ${result.p99ms} ms, failures ${result.failures})`,
  );
  console.log(`emulator RSS after the token run (demo seed): ${rssMiB(demo.child.pid).toFixed(0)} MiB`);
  agent.destroy();
  demo.child.kill('SIGTERM');
  await new Promise((r) => demo.child.once('exit', r));

  // ---- 2. memory with USERS users ----
  const users = Array.from({ length: USERS }, (_, i) => ({
    userPrincipalName: `user${String(i).padStart(5, '0')}@contoso-insurance.com`,
    displayName: `User ${i}`,
    password: 'Pass-1!',
    kind: i % 50 === 0 ? 'shared' : 'user',
  }));
  const seedFile = join(dataDir, 'seed-10k.json');
  const demoSeed = (await import('../apps/m365-emulator/src/seed/load.ts')).demoSeed();
  demoSeed.tenants.find((t) => t.id === CONTOSO).users.push(...users);
  writeFileSync(seedFile, JSON.stringify(demoSeed));
  const big = await start(['--seed', seedFile]);
  await new Promise((r) => setTimeout(r, 1000));
  const rssBig = rssMiB(big.child.pid);
  const agent2 = new Agent({ ca: big.ca, keepAlive: true });
  const tok = JSON.parse(
    (await post(agent2, `${big.url}/${CONTOSO}/oauth2/v2.0/token`, form)).body,
  ).access_token;
  let url = `${big.url}/v1.0/users?$top=999&$select=id`;
  let listed = 0;
  while (url) {
    const page = await get(agent2, url, tok);
    listed += page.body.value.length;
    url = page.body['@odata.nextLink'];
  }
  console.log(
    `emulator RSS with ${USERS} extra users: ${rssBig.toFixed(0)} MiB at start, ${rssMiB(big.child.pid).toFixed(0)} MiB after listing all ${listed} users through Graph`,
  );
  agent2.destroy();
  big.child.kill('SIGTERM');
  await new Promise((r) => big.child.once('exit', r));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
