import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createEmulator } from './emulator.ts';
import { mailFileFor, writeMailFile } from './mail/persist.ts';
import type { ThrottleConfig } from './mail/throttle.ts';
import { MICROSOFT_NOTIFICATION_LATENCY, type NotificationSettings } from './notify/subscriptions.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'data-dir': { type: 'string' },
    snapshot: { type: 'boolean', default: false },
    throttling: { type: 'string' },
    'demo-mail': { type: 'string' },
    'http-webhooks': { type: 'boolean', default: false },
    'subscription-minutes': { type: 'string' },
    concurrency: { type: 'string' },
    'service-time': { type: 'string' },
    'notification-latency': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm run emulator -- [--seed file.yaml|json] [--port 8443] [--data-dir dir] [--snapshot]

  --seed       seed file (default: the built-in Contoso Insurance demo)
  --port       HTTPS port (default: $M365_EMULATOR_PORT or 8443; 0 = random)
  --host       bind address (default 127.0.0.1)
  --data-dir   CA, certificates and snapshot (default: <repo>/data/m365-emulator)
  --snapshot   start from <data-dir>/snapshot.json if present and save it on exit
  --throttling on|off          Outlook throttling (default on: 4 concurrent, 10,000 requests/10 min per app per mailbox)
  --demo-mail on|off           ~200 generated emails in claims@, production@, alex.wilber@ (default on with the demo seed)
  --http-webhooks              accept http:// notification URLs (Graph requires https; for a local dev server)
  --subscription-minutes N     longest message subscription (default 4230, the strict reading; 10080 the other)
  --concurrency per-mailbox|per-app   whose requests the 4 concurrent count together (default per-mailbox)
  --service-time MIN-MAX       ms a Graph mail request holds its slot before the answer (default 0; Exchange: 50-300)
  --notification-latency instant|microsoft   notification delay (default instant; microsoft: mean 34 s, at most 3 min)`);
  process.exit(0);
}

const dataDir = resolve(
  values['data-dir'] ?? process.env.M365_EMULATOR_DATA_DIR ?? join(REPO_ROOT, 'data', 'm365-emulator'),
);
const port = Number(values.port ?? process.env.M365_EMULATOR_PORT ?? 8443);
/** A command-line value that is not one of the accepted ones: say so and stop. */
function usage(message: string): never {
  console.error(`m365-emulator: ${message} (see --help)`);
  process.exit(2);
}
const throttling: Partial<ThrottleConfig> = values.throttling === 'off' ? { enabled: false } : {};
if (values.concurrency !== undefined) {
  if (values.concurrency !== 'per-mailbox' && values.concurrency !== 'per-app')
    usage('--concurrency is per-mailbox or per-app');
  throttling.concurrencyScope = values.concurrency === 'per-app' ? 'perApp' : 'perMailbox';
}
if (values['service-time'] !== undefined) {
  const m = /^(\d+)(?:-(\d+))?$/.exec(values['service-time']);
  if (!m) usage('--service-time is MIN-MAX in ms, e.g. 50-300');
  throttling.serviceTimeMinMs = Number(m[1]);
  throttling.serviceTimeMaxMs = Number(m[2] ?? m[1]);
}
const notifications: Partial<NotificationSettings> = values['http-webhooks'] ? { allowHttp: true } : {};
if (values['subscription-minutes'] !== undefined) {
  const n = Number(values['subscription-minutes']);
  if (!Number.isInteger(n) || n < 1) usage('--subscription-minutes is a number of minutes');
  notifications.maxMessageLifetimeMinutes = n;
}
if (values['notification-latency'] !== undefined) {
  if (values['notification-latency'] !== 'instant' && values['notification-latency'] !== 'microsoft')
    usage('--notification-latency is instant or microsoft');
  if (values['notification-latency'] === 'microsoft')
    Object.assign(notifications, MICROSOFT_NOTIFICATION_LATENCY);
}
const emu = await createEmulator({
  dataDir,
  port,
  ...(values.host ? { host: values.host } : {}),
  ...(values.seed ? { seed: resolve(process.cwd(), values.seed) } : {}),
  loadSnapshot: values.snapshot,
  throttling,
  ...(values['demo-mail'] ? { demoMail: values['demo-mail'] !== 'off' } : {}),
  notifications,
});

const data = emu.state.dir.toData();
const lines: string[] = [];
lines.push(`Microsoft 365 emulator (Entra ID v2.0 + Graph) listening on ${emu.url}`);
lines.push(`CA certificate: ${emu.caFile}`);
lines.push(
  `  trust it: NODE_EXTRA_CA_CERTS=${emu.caFile}   MSAL: knownAuthorities: ["${new URL(emu.url).host}"]`,
);
lines.push(`Graph base: ${emu.url}/v1.0   Control API: ${emu.url}/__emulator`);
lines.push(
  `Mail: ${emu.state.mail.count()} messages in ${emu.state.mail.all().length} mailboxes; throttling ${emu.state.throttle.config.enabled ? 'on' : 'off'}; deliver more: npm run mail -w @mailroom/m365-emulator -- --mailbox <upn> --generate`,
);
for (const t of data.tenants) {
  lines.push('');
  lines.push(`Tenant "${t.displayName}"  id ${t.id}  domains ${t.domains.map((d) => d.name).join(', ')}`);
  lines.push(`  authority: ${emu.url}/${t.id}`);
  for (const u of data.users.filter((x) => x.tenantId === t.id)) {
    const tag = [
      u.kind !== 'user' ? u.kind : '',
      u.isAdmin ? 'admin' : '',
      u.hasMailbox ? '' : 'no mailbox',
      u.state !== 'enabled' ? u.state : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `  user ${u.userPrincipalName.padEnd(42)} ${u.password ? `password ${u.password}` : '(no sign-in)'}${tag ? `  [${tag}]` : ''}`,
    );
  }
  for (const a of data.apps.filter((x) => x.homeTenantId === t.id)) {
    lines.push(
      `  app "${a.displayName}" (${a.signInAudience === 'AzureADMultipleOrgs' ? 'multi-tenant' : 'single tenant'})`,
    );
    lines.push(`    client id     ${a.appId}`);
    for (const s of a.secrets)
      lines.push(
        `    client secret ${s.secretText}  (expires ${new Date(s.endMs).toISOString().slice(0, 10)})`,
      );
    for (const r of a.redirectUris) lines.push(`    redirect URI  ${r}`);
  }
}
console.log(lines.join('\n'));

const stop = async () => {
  if (values.snapshot) {
    const file = join(dataDir, 'snapshot.json');
    writeFileSync(file, JSON.stringify(emu.state.dir.toData(), null, 2));
    writeMailFile(mailFileFor(file), emu.state.mail);
    console.log(`snapshot saved to ${file} (mail: ${mailFileFor(file)})`);
  }
  await emu.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
