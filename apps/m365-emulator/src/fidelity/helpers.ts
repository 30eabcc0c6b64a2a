import { ConfidentialClientApplication, CryptoProvider, type Configuration } from '@azure/msal-node';
import type { Emulator } from '../emulator.ts';
import { createMsalNetworkClient } from '../testing/msal.ts';
import { EntraBrowser } from '../testing/browser.ts';
import { DEMO } from '../seed/demo.ts';

/** An unchanged MSAL ConfidentialClientApplication pointed at the emulator. */
export function msalApp(
  emu: Emulator,
  auth: Partial<Configuration['auth']> & { clientId: string },
  tenant = 'organizations',
): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: { authority: `${emu.url}/${tenant}`, knownAuthorities: [new URL(emu.url).host], ...auth },
    system: { networkClient: createMsalNetworkClient(emu.caPem) },
  });
}

export function mailroomMsal(emu: Emulator, tenant = 'organizations'): ConfidentialClientApplication {
  return msalApp(
    emu,
    { clientId: DEMO.mailroomApp.clientId, clientSecret: DEMO.mailroomApp.clientSecret },
    tenant,
  );
}

/** Runs MSAL's auth-code + PKCE flow through the emulator's HTML pages; returns MSAL's result. */
export async function signInWithMsal(
  emu: Emulator,
  cca: ConfidentialClientApplication,
  opts: {
    username: string;
    password: string;
    scopes: string[];
    consentForOrganization?: boolean;
    browser?: EntraBrowser;
    prompt?: string;
  },
) {
  const crypto = new CryptoProvider();
  const { verifier, challenge } = await crypto.generatePkceCodes();
  const state = crypto.createNewGuid();
  const redirectUri = DEMO.mailroomApp.redirectUri;
  const url = await cca.getAuthCodeUrl({
    scopes: opts.scopes,
    redirectUri,
    state,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    loginHint: opts.username,
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
  });
  const browser = opts.browser ?? new EntraBrowser(emu.caPem);
  const back = await browser.signIn(url, {
    username: opts.username,
    password: opts.password,
    consentForOrganization: !!opts.consentForOrganization,
  });
  const code = back.params.get('code');
  if (!code) throw new Error(`No code: ${back.params.toString()}`);
  return cca.acquireTokenByCode(
    { code, scopes: opts.scopes, redirectUri, codeVerifier: verifier, state },
    { code, state: back.params.get('state') ?? '' },
  );
}

export function decode(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}
