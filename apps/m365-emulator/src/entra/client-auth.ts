import { createPublicKey } from 'node:crypto';
import { jwtVerify, errors as joseErrors } from 'jose';
import type { AppRegistration, ClientCertificate } from '../tenant/model.ts';
import type { EmulatorState } from '../state.ts';
import type { Ctx } from '../http/context.ts';
import { Aadsts } from './errors.ts';
import { decodeJwt } from './jwt.ts';
import { callerOrigin } from '../http/origin.ts';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface AuthenticatedClient {
  app: AppRegistration;
  /** Token `appidacr`: 0 public client, 1 secret, 2 certificate. */
  appidacr: '0' | '1' | '2';
}

/** client_id and secret from HTTP Basic (`client_secret_basic`, each part URL-encoded). */
function basicCredentials(ctx: Ctx): { id: string; secret: string } | undefined {
  const h = ctx.header('authorization');
  if (!h || !/^basic /i.test(h)) return undefined;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
  return { id: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
}

/** The client id a token request names (body or Basic). */
export function requestClientId(ctx: Ctx, form: URLSearchParams): string | undefined {
  return form.get('client_id') ?? basicCredentials(ctx)?.id;
}

/**
 * Authenticates the client of a token request: secret (body or Basic) or certificate assertion
 * (RS256 + x5t, or PS256 + x5t#S256). Errors carry Entra's codes (7000215, 7000222, 700027…).
 */
export async function authenticateClient(
  st: EmulatorState,
  ctx: Ctx,
  form: URLSearchParams,
  app: AppRegistration,
): Promise<AuthenticatedClient> {
  const basic = basicCredentials(ctx);
  const secret = form.get('client_secret') ?? basic?.secret;
  const assertion = form.get('client_assertion');
  if (app.isPublicClient) {
    if (secret || assertion) throw Aadsts.publicClientCredential();
    return { app, appidacr: '0' };
  }
  if (secret) {
    const match = app.secrets.find((s) => s.secretText === secret);
    if (!match) throw Aadsts.wrongSecret(app.appId);
    if (match.endMs <= st.clock.now()) throw Aadsts.expiredSecret(app.appId);
    return { app, appidacr: '1' };
  }
  if (assertion) {
    if (form.get('client_assertion_type') !== JWT_BEARER)
      throw Aadsts.assertionInvalid(
        "client_assertion_type must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'.",
      );
    await verifyAssertion(st, app, assertion);
    return { app, appidacr: '2' };
  }
  throw Aadsts.missingCredential();
}

function findCertificate(
  app: AppRegistration,
  header: Record<string, unknown>,
): ClientCertificate | undefined {
  const s256 = header['x5t#S256'];
  const s1 = header.x5t;
  const hex = (b64u: unknown) =>
    typeof b64u === 'string' ? Buffer.from(b64u, 'base64url').toString('hex').toUpperCase() : undefined;
  const h256 = hex(s256);
  const h1 = hex(s1);
  return app.certificates.find((c) => (h256 && c.sha256Hex === h256) || (h1 && c.sha1Hex === h1));
}

async function verifyAssertion(st: EmulatorState, app: AppRegistration, assertion: string): Promise<void> {
  const decoded = decodeJwt(assertion);
  if (!decoded) throw Aadsts.assertionInvalid('The client assertion is not a JWT.');
  const cert = findCertificate(app, decoded.header);
  if (!cert) {
    const t = decoded.header['x5t#S256'] ?? decoded.header.x5t ?? '';
    throw Aadsts.assertionKeyNotFound(
      app.appId,
      Buffer.from(String(t), 'base64url').toString('hex').toUpperCase(),
    );
  }
  if (cert.endMs <= st.clock.now()) throw Aadsts.assertionKeyNotFound(app.appId, cert.sha1Hex);
  let payload: Record<string, unknown>;
  try {
    const res = await jwtVerify(assertion, createPublicKey(cert.certPem), {
      algorithms: ['RS256', 'PS256'],
      currentDate: new Date(st.clock.now()),
      clockTolerance: 300,
    });
    payload = res.payload as Record<string, unknown>;
  } catch (e) {
    if (
      e instanceof joseErrors.JWTExpired ||
      (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'nbf')
    )
      throw Aadsts.assertionTime();
    throw Aadsts.assertionSignature();
  }
  if (payload.iss !== app.appId && String(payload.iss).toLowerCase() !== app.appId)
    throw Aadsts.assertionInvalid("The 'iss' claim must be the client id.");
  if (String(payload.sub).toLowerCase() !== app.appId)
    throw Aadsts.assertionInvalid("The 'sub' claim must be the client id.");
  const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  // The token endpoint as the client called it (a proxy's host), or the emulator's own address.
  const origins = [st.baseUrl, callerOrigin(st)].map((o) => o.toLowerCase() + '/');
  const okAud = auds.some(
    (a) =>
      typeof a === 'string' &&
      origins.some((o) => a.toLowerCase().startsWith(o)) &&
      /\/oauth2\/(v2\.0\/)?token$/i.test(a),
  );
  if (!okAud) throw Aadsts.assertionInvalid(`The 'aud' claim must be the token endpoint.`);
  if (typeof payload.exp !== 'number') throw Aadsts.assertionInvalid("The 'exp' claim is required.");
}
