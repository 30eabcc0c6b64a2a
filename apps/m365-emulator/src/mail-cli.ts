import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EmulatorControl } from './control/client.ts';

/**
 * Delivers mail into a running emulator (the sandbox's "send a test email", benchmarks):
 *   npm run mail -w @mailroom/m365-emulator -- --mailbox claims@contoso-insurance.com --generate --count 20 --rate 5
 */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    ca: { type: 'string' },
    mailbox: { type: 'string', short: 'm' },
    folder: { type: 'string' },
    eml: { type: 'string' },
    json: { type: 'string' },
    generate: { type: 'boolean', default: false },
    kind: { type: 'string' },
    count: { type: 'string' },
    rate: { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help || !values.mailbox) {
  console.log(`Usage: npm run mail -w @mailroom/m365-emulator -- --mailbox <upn> [--eml file.eml | --json message.json | --generate] [options]

  --mailbox   target mailbox (UPN or id), e.g. claims@contoso-insurance.com
  --eml       deliver this RFC 822 file (kept byte for byte; served by /$value)
  --json      deliver a message in Graph JSON (subject, body, from, toRecipients, attachments…)
  --generate  deliver generated claim emails with PDF/JPEG attachments (default when no file is given)
  --kind      claim (default) | production | noise
  --count     how many generated emails (default 1)
  --rate      emails per second (default: all at once)
  --seed      generator seed (same seed → same emails)
  --folder    well-known name or folder id (default inbox)
  --url       emulator URL (default $M365_EMULATOR_URL or https://localhost:8443)
  --ca        CA file (default <repo>/data/m365-emulator/tls/ca-cert.pem)`);
  process.exit(values.help ? 0 : 1);
}

const url = values.url ?? process.env.M365_EMULATOR_URL ?? 'https://localhost:8443';
const caFile = resolve(values.ca ?? join(REPO_ROOT, 'data', 'm365-emulator', 'tls', 'ca-cert.pem'));
const control = new EmulatorControl(url, readFileSync(caFile, 'utf8'));
const folder = values.folder ? { folder: values.folder } : {};
try {
  if (values.eml) {
    const d = await control.deliverEml(values.mailbox, readFileSync(values.eml), folder);
    console.log(
      `delivered ${d.subject ? `"${d.subject}"` : '(no subject)'} id ${d.id} immutableId ${d.immutableId}`,
    );
  } else if (values.json) {
    const d = await control.deliverMessage(
      values.mailbox,
      JSON.parse(readFileSync(values.json, 'utf8')) as Record<string, unknown>,
      folder,
    );
    console.log(`delivered "${d.subject}" id ${d.id} immutableId ${d.immutableId}`);
  } else {
    const count = Number(values.count ?? 1);
    const rate = values.rate ? Number(values.rate) : 0;
    const kind = (values.kind ?? 'claim') as 'claim' | 'production' | 'noise';
    let job = await control.generateMail(values.mailbox, {
      count,
      kind,
      ...(rate ? { ratePerSecond: rate } : {}),
      ...(values.seed ? { seed: Number(values.seed) } : {}),
      ...folder,
    });
    while (!job.done) {
      await new Promise((r) => setTimeout(r, 500));
      job = await control.mailJob(job.id);
      process.stdout.write(`\r${job.delivered}/${job.total} delivered`);
    }
    console.log(`${rate ? '\n' : ''}delivered ${job.delivered} generated email(s) to ${values.mailbox}`);
  }
} finally {
  control.close();
}
