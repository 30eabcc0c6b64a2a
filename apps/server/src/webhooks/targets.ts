import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Words } from '../core/errors.ts';

/**
 * Where a webhook may go (no SSRF). Loopback, private, link-local, carrier-grade NAT, multicast and
 * reserved ranges are refused unless WEBHOOK_ALLOW_PRIVATE is set. The check runs on the address
 * the connection is actually made to (the resolver's answer at connect time), not only on the name,
 * so a name that resolves to a public address when saved and to 127.0.0.1 later (DNS rebinding)
 * is still refused.
 */
const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const)
  blocked.addSubnet(net, bits, 'ipv6');

/** An IPv4 address carried inside IPv6 (mapped `::ffff:a.b.c.d`, or NAT64 `64:ff9b::/96`). */
function embeddedIpv4(ip: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m) return m[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
  if (!hex) return undefined;
  const [hi, lo] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export function isPrivateAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '');
  const v = isIP(bare);
  if (v === 4) return blocked.check(bare, 'ipv4');
  if (v === 6) {
    const v4 = embeddedIpv4(bare);
    return v4 ? blocked.check(v4, 'ipv4') : blocked.check(bare, 'ipv6');
  }
  return true; // not an address at all: refuse
}

/** A target refused, said in both languages (the endpoint form shows it; the delivery log, its English). */
export class TargetRefused extends Error {
  readonly words: Words;
  constructor(words: Words) {
    super(words.en);
    this.words = words;
  }
}

/** A target URL a workspace admin typed: its form, and its literal address if it has one. */
export function checkTargetUrl(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetRefused({ en: 'This is not a valid URL.', fr: 'Cette URL n’est pas valide.' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TargetRefused({
      en: 'Use an http:// or https:// URL.',
      fr: 'Utilisez une URL http:// ou https://.',
    });
  if (url.username || url.password)
    throw new TargetRefused({
      en: 'Put no user name or password in the URL; Mailroom signs every delivery instead.',
      fr: 'Ne mettez ni nom d’utilisateur ni mot de passe dans l’URL ; Mailroom signe plutôt chaque livraison.',
    });
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (
    !allowPrivate &&
    (isIP(host) ? isPrivateAddress(host) : /^(localhost|.*\.localhost|.*\.local|.*\.internal)$/i.test(host))
  ) {
    throw new TargetRefused({
      en: 'This address is on a private, loopback or link-local network. Mailroom only sends webhooks to public addresses (an operator can allow private ones with WEBHOOK_ALLOW_PRIVATE=true).',
      fr: 'Cette adresse est sur un réseau privé, de bouclage ou local au lien. Mailroom n’envoie de webhooks qu’à des adresses publiques (un opérateur peut autoriser les adresses privées avec WEBHOOK_ALLOW_PRIVATE=true).',
    });
  }
  return url;
}

/**
 * A `lookup` for the connection: resolves as usual, then refuses private answers. Passed to the
 * socket, so the address checked is the address connected to.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, []);
      const bad = allowPrivate ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad)
        return callback(
          Object.assign(
            new TargetRefused({
              en: `${hostname} resolves to ${bad.address}, a private, loopback or link-local address: refused.`,
              fr: `${hostname} se résout en ${bad.address}, une adresse privée, de bouclage ou locale au lien : refusée.`,
            }),
            { code: 'EPRIVATE' },
          ),
          [],
        );
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}
