import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, createSelfSignedCert, createServerCert, type KeyAndCert } from './certs.ts';

export interface TlsMaterial {
  ca: KeyAndCert;
  caFile: string;
  server: KeyAndCert;
  /** Token-signing key and its self-signed certificate (published in the JWKS `x5c`). */
  signing: KeyAndCert;
}

function loadOrCreate(dir: string, name: string, make: () => KeyAndCert): KeyAndCert {
  const keyFile = join(dir, `${name}-key.pem`);
  const certFile = join(dir, `${name}-cert.pem`);
  if (existsSync(keyFile) && existsSync(certFile)) {
    return { keyPem: readFileSync(keyFile, 'utf8'), certPem: readFileSync(certFile, 'utf8') };
  }
  const made = make();
  writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
  writeFileSync(certFile, made.certPem);
  return made;
}

/**
 * Loads the CA, the localhost server certificate and the token-signing key from `dataDir/tls`,
 * creating them on first start. The CA file is what clients trust (NODE_EXTRA_CA_CERTS).
 */
export function loadTlsMaterial(dataDir: string): TlsMaterial {
  const dir = join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true });
  const ca = loadOrCreate(dir, 'ca', createCa);
  const server = loadOrCreate(dir, 'server', () => createServerCert(ca));
  const signing = loadOrCreate(dir, 'signing', () =>
    createSelfSignedCert('login.microsoftonline.com emulator token signing'),
  );
  return { ca, caFile: join(dir, 'ca-cert.pem'), server, signing };
}
