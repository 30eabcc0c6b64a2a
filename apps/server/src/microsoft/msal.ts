import { createHash, X509Certificate, createPrivateKey } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel, type ICachePlugin } from '@azure/msal-node';
import type { Words } from '../core/errors.ts';
import { authorityHostName, type MicrosoftSettings } from './settings.ts';

/** How an app proves itself to Entra: a secret value, or a certificate (PEM) and its private key. */
export type AppCredential =
  | { kind: 'secret'; clientId: string; secret: string }
  | { kind: 'certificate'; clientId: string; certificatePem: string; privateKeyPem: string };

/**
 * A connector's MSAL token cache lives in the database (encrypted); MSAL reads and writes it through
 * this holder while the caller holds the connector's credential lock.
 */
export class CacheHolder implements ICachePlugin {
  text: string | null;
  changed = false;
  constructor(text: string | null) {
    this.text = text;
  }
  async beforeCacheAccess(ctx: Parameters<ICachePlugin['beforeCacheAccess']>[0]): Promise<void> {
    if (this.text) ctx.tokenCache.deserialize(this.text);
  }
  async afterCacheAccess(ctx: Parameters<ICachePlugin['afterCacheAccess']>[0]): Promise<void> {
    if (ctx.cacheHasChanged) {
      this.text = ctx.tokenCache.serialize();
      this.changed = true;
    }
  }
}

/** A certificate or key that cannot be used, said in both languages (the form shows it on its field). */
export class CertificateError extends Error {
  readonly words: Words;
  constructor(words: Words) {
    super(words.en);
    this.words = words;
  }
}

/** SHA-256 thumbprint of a PEM certificate, checked against its private key. */
export function certificateThumbprint(certificatePem: string, privateKeyPem: string): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
  } catch {
    throw new CertificateError({
      en: 'The certificate is not a valid PEM X.509 certificate.',
      fr: 'Le certificat n’est pas un certificat X.509 PEM valide.',
    });
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(privateKeyPem)))
      throw new CertificateError({
        en: 'The private key does not belong to this certificate.',
        fr: 'La clé privée ne correspond pas à ce certificat.',
      });
  } catch (err) {
    if (err instanceof CertificateError) throw err;
    throw new CertificateError({
      en: 'The private key is not a valid PEM private key.',
      fr: 'La clé privée n’est pas une clé privée PEM valide.',
    });
  }
  return createHash('sha256').update(cert.raw).digest('hex').toUpperCase();
}

/**
 * A ConfidentialClientApplication for one authority and credential, talking through our HTTP client
 * (which trusts the sandbox CA) and a per-connector cache.
 */
export function createMsalApp(
  settings: MicrosoftSettings,
  opts: { tenant: string; credential: AppCredential; cache?: CacheHolder },
): ConfidentialClientApplication {
  const { credential } = opts;
  const auth =
    credential.kind === 'secret'
      ? { clientId: credential.clientId, clientSecret: credential.secret }
      : {
          clientId: credential.clientId,
          clientCertificate: {
            thumbprintSha256: certificateThumbprint(credential.certificatePem, credential.privateKeyPem),
            privateKey: credential.privateKeyPem,
          },
        };
  return new ConfidentialClientApplication({
    auth: {
      ...auth,
      authority: `${settings.authorityHost}/${opts.tenant}`,
      knownAuthorities: [authorityHostName(settings)],
    },
    ...(opts.cache ? { cache: { cachePlugin: opts.cache } } : {}),
    system: {
      networkClient: settings.http.msalNetwork,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
    },
  });
}

/** Mailroom's own multi-tenant app credential, or a clear error when none is configured. */
export function mailroomAppCredential(settings: MicrosoftSettings): AppCredential {
  if (!settings.app)
    throw new Error(
      'Mailroom has no Microsoft app configured (MICROSOFT_CLIENT_ID / MICROSOFT_CLIENT_SECRET).',
    );
  return { kind: 'secret', clientId: settings.app.clientId, secret: settings.app.clientSecret };
}
