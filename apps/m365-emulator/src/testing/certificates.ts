import { createSelfSignedCert, thumbprints } from '../tls/certs.ts';

/** A self-signed certificate + key for client-assertion tests (as an app owner would upload). */
export function createTestCertificate(commonName = 'mailroom-test-client'): {
  certPem: string;
  keyPem: string;
  thumbprintSha1: string;
  thumbprintSha256: string;
} {
  const { certPem, keyPem } = createSelfSignedCert(commonName, undefined, 365);
  const t = thumbprints(certPem);
  return { certPem, keyPem, thumbprintSha1: t.sha1Hex, thumbprintSha256: t.sha256Hex };
}
