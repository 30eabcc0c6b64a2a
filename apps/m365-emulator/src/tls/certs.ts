import { generateKeyPairSync, X509Certificate, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

function rsaKeyPem(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function baseCert(
  keyPem: string,
  commonName: string,
  days: number,
): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // Positive serial number (first bit cleared).
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  cert.serialNumber = serial.toString('hex');
  const notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = new Date(notBefore.getTime() + days * 24 * 3600 * 1000);
  cert.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'Mailroom M365 Emulator' },
  ]);
  return { cert, key };
}

/** A local certificate authority (self-signed, 10 years). */
export function createCa(): KeyAndCert {
  const keyPem = rsaKeyPem();
  const { cert, key } = baseCert(keyPem, 'Mailroom M365 Emulator Local CA', 3650);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}

/** A TLS server certificate for localhost / 127.0.0.1 / ::1, signed by the CA (825 days). */
export function createServerCert(ca: KeyAndCert, hostnames: string[] = ['localhost']): KeyAndCert {
  const keyPem = rsaKeyPem();
  const { cert } = baseCert(keyPem, hostnames[0] ?? 'localhost', 825);
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        ...hostnames.map((value) => ({ type: 2, value })),
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}

/** A self-signed certificate wrapping a key, e.g. the token-signing key published in x5c. */
export function createSelfSignedCert(commonName: string, keyPem = rsaKeyPem(), days = 3650): KeyAndCert {
  const { cert, key } = baseCert(keyPem, commonName, days);
  cert.setIssuer(cert.subject.attributes);
  cert.sign(key, forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}

export interface Thumbprints {
  /** SHA-1 thumbprint, upper-case hex (as in the Azure portal). */
  sha1Hex: string;
  sha256Hex: string;
  /** base64url of the SHA-1 thumbprint: the JWT `x5t` header. */
  x5t: string;
  /** base64url of the SHA-256 thumbprint: the JWT `x5t#S256` header. */
  x5tS256: string;
  /** base64 DER, for `x5c`. */
  derBase64: string;
}

export function thumbprints(certPem: string): Thumbprints {
  const x = new X509Certificate(certPem);
  const sha1Hex = x.fingerprint.replaceAll(':', '');
  const sha256Hex = x.fingerprint256.replaceAll(':', '');
  return {
    sha1Hex,
    sha256Hex,
    x5t: Buffer.from(sha1Hex, 'hex').toString('base64url'),
    x5tS256: Buffer.from(sha256Hex, 'hex').toString('base64url'),
    derBase64: x.raw.toString('base64'),
  };
}
