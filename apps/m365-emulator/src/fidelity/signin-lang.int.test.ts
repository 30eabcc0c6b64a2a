import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../emulator.ts';
import { DEMO } from '../seed/demo.ts';
import { EntraBrowser, parseForms } from '../testing/browser.ts';
import { authorizeUrl } from './raw.ts';

const C = DEMO.contoso;

describe('sign-in pages in French when the authorize request asks (ui_locales)', () => {
  let emu: Emulator;
  beforeAll(async () => {
    emu = await createEmulator();
  });
  afterAll(() => emu.close());

  it('the sign-in page and, after the form post, the consent page are in French', async () => {
    const browser = new EntraBrowser(emu.caPem);
    const url = `${authorizeUrl(emu, { scope: 'openid offline_access Mail.ReadWrite', loginHint: C.handlers[0] })}&ui_locales=fr-FR`;
    const page = await browser.request(url);
    expect(page.html).toContain('<html lang="fr">');
    expect(page.html).toContain('<h1>Se connecter</h1>');
    const login = parseForms(page.html)[0]!;
    // The form post carries no ui_locales: the sign-in remembers its language.
    const consent = await browser.request(new URL(login.action, emu.url).toString(), {
      form: { ...login.fields, passwd: C.password },
    });
    expect(parseForms(consent.html)[0]?.id).toBe('consent');
    expect(consent.html).toContain('Autorisations demandées');
    expect(consent.html).toContain('>Accepter</button>');
  });

  it('without ui_locales the pages stay in English', async () => {
    const page = await new EntraBrowser(emu.caPem).request(authorizeUrl(emu, { loginHint: C.handlers[0] }));
    expect(page.html).toContain('<h1>Sign in</h1>');
  });
});
