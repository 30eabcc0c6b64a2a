import type { EmulatorState } from '../state.ts';
import type { Mailbox } from './model.ts';
import type { AttachmentInit, MessageInit } from './store.ts';
import { seededRandom } from '../faults/faults.ts';
import { makePdf } from './files/pdf.ts';
import { makeJpeg } from './files/jpeg.ts';

/** Options of a generated email (control API `generate`, CLI, demo seed). */
export interface GenerateOptions {
  /** PRNG seed: same seed + index → same email. */
  seed?: number;
  index?: number;
  /** claim (default): a claim with a PDF form and photos; production: broker/underwriting mail; noise: newsletters and the like. */
  kind?: 'claim' | 'production' | 'noise';
  /** Number of PDF / JPEG attachments (default: decided by the generator). */
  pdfs?: number;
  jpegs?: number;
  /** Extra attachments of a given size (deterministic bytes), e.g. for large-download tests. */
  extraAttachments?: { name: string; size: number; contentType?: string }[];
  subject?: string;
  from?: { name?: string; address: string };
  receivedDateTime?: string;
  isRead?: boolean;
}

const FIRST = [
  'James',
  'Olivia',
  'Mohammed',
  'Sophie',
  'Liam',
  'Chloe',
  'Noah',
  'Amelia',
  'Ethan',
  'Isla',
  'Lucas',
  'Maya',
  'Daniel',
  'Grace',
  'Hugo',
  'Zara',
];
const LAST = [
  'Thompson',
  'Patel',
  'Nguyen',
  'García',
  'Okafor',
  'Müller',
  'Rossi',
  "O'Brien",
  'Kowalski',
  'Dubois',
  'Haddad',
  'Schmidt',
  'Clarke',
  'Jensen',
];
const DOMAINS = ['gmail.com', 'outlook.com', 'btinternet.com', 'yahoo.co.uk', 'hotmail.com'];
const BROKERS = [
  { name: 'Harbor Brokers', domain: 'harborbrokers.example' },
  { name: 'Alder & Finch Insurance Brokers', domain: 'alderfinch.example' },
  { name: 'Northgate Risk Partners', domain: 'northgate-risk.example' },
];
const GARAGES = [
  { name: 'Riverside Motor Repairs', domain: 'riversidemotors.example' },
  { name: 'QuickFix Bodyshop', domain: 'quickfix-bodyshop.example' },
];
const PERILS = [
  {
    peril: 'water damage',
    detail: 'a burst pipe in the upstairs bathroom flooded the kitchen ceiling',
    type: 'Home',
  },
  {
    peril: 'storm damage',
    detail: 'high winds last night lifted several roof tiles and damaged the fence',
    type: 'Home',
  },
  {
    peril: 'motor accident',
    detail: 'my car was hit from behind at a roundabout; the rear bumper and boot are damaged',
    type: 'Motor',
  },
  { peril: 'theft', detail: 'my bicycle and a laptop were stolen from the garage', type: 'Home contents' },
  { peril: 'fire damage', detail: 'a pan fire damaged the kitchen units and extractor hood', type: 'Home' },
  {
    peril: 'windscreen damage',
    detail: 'a stone chip on the motorway cracked the windscreen',
    type: 'Motor',
  },
];
const STREETS = [
  'Elm Street',
  'Station Road',
  'Church Lane',
  'Victoria Avenue',
  'Mill Close',
  'Park View',
  'Harbour Walk',
];
const NOISE = [
  {
    from: { name: 'Contoso IT', address: 'it-notifications@contoso-insurance.com' },
    subject: 'Scheduled maintenance this Saturday',
  },
  {
    from: { name: 'Insurance Times', address: 'newsletter@insurancetimes.example' },
    subject: 'This week in insurance: claims inflation and weather events',
  },
  {
    from: { name: 'Microsoft 365', address: 'no-reply@microsoft.example' },
    subject: 'Your weekly Microsoft 365 digest',
  },
];

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const digits = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');

/** Deterministic bytes of any size (large-attachment tests), fast enough for 100+ MB. */
export function pseudoRandomBytes(seed: number, size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    buf.writeUInt32LE(x, i);
  }
  for (; i < size; i++) buf[i] = i & 0xff;
  return buf;
}

function photo(r: () => number): Buffer {
  const base = 90 + Math.floor(r() * 80);
  const cx = Math.floor(r() * 8);
  const cy = Math.floor(r() * 6);
  const blocks: number[][] = [];
  for (let y = 0; y < 6; y++) {
    const row: number[] = [];
    for (let x = 0; x < 8; x++) {
      const d = Math.hypot(x - cx, y - cy);
      row.push(Math.max(0, Math.min(255, base + y * 6 - (d < 2 ? 70 - d * 20 : 0) + Math.floor(r() * 12))));
    }
    blocks.push(row);
  }
  return makeJpeg(blocks);
}

/**
 * A realistic email for an insurer's mailbox: a first notice of loss from a policyholder, a
 * broker's follow-up or a garage's estimate, with a PDF claim form / estimate and JPEG photos.
 */
export function generateClaimEmail(st: EmulatorState, m: Mailbox, o: GenerateOptions): MessageInit {
  const seed = (o.seed ?? 42) * 100_003 + (o.index ?? m.nextMessageNo);
  const r = seededRandom(seed);
  const owner = st.dir.users.get(m.userId);
  const to = owner?.mail ?? owner?.userPrincipalName ?? 'claims@contoso-insurance.com';
  const kind = o.kind ?? 'claim';
  const first = pick(r, FIRST);
  const last = pick(r, LAST);
  const claimNo = `CLM-${2025 + Math.floor(r() * 2)}-${digits(r, 6)}`;
  const policyNo = `POL-${digits(r, 7)}`;
  const peril = pick(r, PERILS);
  const address = `${1 + Math.floor(r() * 120)} ${pick(r, STREETS)}`;
  let from: { name: string; address: string };
  let subject: string;
  let html: string;
  const attachments: AttachmentInit[] = [];
  const pdfs = o.pdfs;
  const jpegs = o.jpegs;
  if (kind === 'noise') {
    const n = pick(r, NOISE);
    from = n.from;
    subject = n.subject;
    html = `<p>Hello,</p><p>${subject}. Read the full update on our website.</p><p>Kind regards,<br>${n.from.name}</p>`;
  } else if (kind === 'production') {
    const b = pick(r, BROKERS);
    from = {
      name: `${first} ${last} (${b.name})`,
      address: `${first.toLowerCase()}.${last.toLowerCase().replace(/[^a-z]/g, '')}@${b.domain}`,
    };
    const what = pick(r, [
      'New business submission',
      'Renewal terms requested',
      'Mid-term adjustment',
      'Quote request',
    ]);
    subject = `${what}: ${peril.type} policy ${policyNo}`;
    html = `<p>Dear underwriting team,</p><p>Please find attached the ${what.toLowerCase()} for our client at ${address} (${peril.type.toLowerCase()} cover, policy ${policyNo}).</p><p>We would be grateful for terms by the end of the week.</p><p>Best regards,<br>${first} ${last}<br>${b.name}</p>`;
    for (let i = 0; i < (pdfs ?? 1); i++)
      attachments.push({
        name: `${what.replace(/\s+/g, '_')}_${policyNo}${i ? `_${i + 1}` : ''}.pdf`,
        contentType: 'application/pdf',
        content: makePdf(
          [
            `Policy: ${policyNo}`,
            `Insured: ${first} ${last}`,
            `Risk address: ${address}`,
            `Cover: ${peril.type}`,
            `Broker: ${b.name}`,
          ],
          what,
        ),
      });
  } else {
    const style = r();
    if (style < 0.6) {
      from = {
        name: `${first} ${last}`,
        address: `${first.toLowerCase()}.${last.toLowerCase().replace(/[^a-z]/g, '')}${Math.floor(r() * 90) + 10}@${pick(r, DOMAINS)}`,
      };
      subject = pick(r, [
        `New claim: ${peril.peril} at ${address}`,
        `Claim for ${peril.peril} - policy ${policyNo}`,
        `Urgent: ${peril.peril}, policy ${policyNo}`,
      ]);
      html = `<p>Hello,</p><p>I would like to report a claim under policy ${policyNo}. Yesterday ${peril.detail}.</p><p>The address is ${address}. I attach the completed claim form and photos of the damage.</p><p>Please let me know what happens next.</p><p>Many thanks,<br>${first} ${last}</p>`;
    } else if (style < 0.85) {
      const b = pick(r, BROKERS);
      from = { name: `${first} ${last}`, address: `${first.toLowerCase()}@${b.domain}` };
      subject = `RE: Claim ${claimNo} - supporting documents`;
      html = `<p>Hi team,</p><p>Further to our call, please find the supporting documents for claim ${claimNo} (policy ${policyNo}, ${peril.peril}).</p><p>Regards,<br>${first} ${last}<br>${b.name}</p>`;
    } else {
      const g = pick(r, GARAGES);
      from = { name: g.name, address: `estimates@${g.domain}` };
      subject = `Repair estimate for claim ${claimNo}`;
      html = `<p>Good morning,</p><p>Attached is our repair estimate for claim ${claimNo} with photos of the vehicle. Total: £${(400 + Math.floor(r() * 4600)).toLocaleString('en-GB')}.00 incl. VAT.</p><p>${g.name}</p>`;
    }
    const pdfCount = pdfs ?? (r() < 0.85 ? 1 : 0);
    const jpegCount = jpegs ?? Math.floor(r() * 4);
    for (let i = 0; i < pdfCount; i++) {
      attachments.push({
        name: i === 0 ? `Claim_Form_${claimNo}.pdf` : `Document_${i + 1}_${claimNo}.pdf`,
        contentType: 'application/pdf',
        content: makePdf(
          [
            `Claim number: ${claimNo}`,
            `Policy number: ${policyNo}`,
            `Claimant: ${first} ${last}`,
            `Loss address: ${address}`,
            `Peril: ${peril.peril}`,
            `Description: ${peril.detail}`,
          ],
          'Claim form',
        ),
      });
    }
    for (let i = 0; i < jpegCount; i++)
      attachments.push({ name: `IMG_${digits(r, 4)}.jpg`, contentType: 'image/jpeg', content: photo(r) });
  }
  (o.extraAttachments ?? []).forEach((a, i) =>
    attachments.push({
      name: a.name,
      contentType: a.contentType ?? 'application/octet-stream',
      content: pseudoRandomBytes(seed + i, a.size),
    }),
  );
  if (o.from) from = { name: o.from.name ?? o.from.address, address: o.from.address };
  const init: MessageInit = {
    subject: o.subject ?? subject,
    body: {
      contentType: 'html',
      content: `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>${html}</body></html>`,
    },
    from: { emailAddress: from },
    toRecipients: [{ emailAddress: { name: owner?.displayName ?? to, address: to } }],
    attachments,
  };
  if (o.receivedDateTime) init.receivedMs = Date.parse(o.receivedDateTime);
  if (o.isRead !== undefined) init.isRead = o.isRead;
  return init;
}
