import { describe, expect, it } from 'vitest';
import { AadstsError } from './errors.ts';
import { errorPage, loginPage, pageLang } from './pages.ts';

describe('the sign-in pages speak the language asked for (issue 19 §5)', () => {
  it('ui_locales first, then Accept-Language by q-value, else English', () => {
    expect(pageLang('fr-FR', 'en-US,en;q=0.9')).toBe('fr');
    expect(pageLang('de-DE fr', undefined)).toBe('fr');
    expect(pageLang(null, 'fr-BE,fr;q=0.9,en;q=0.8')).toBe('fr');
    expect(pageLang(null, 'en;q=0.5, fr;q=0.9')).toBe('fr');
    expect(pageLang(null, 'de-DE,de;q=0.9')).toBe('en');
    expect(pageLang(undefined, undefined)).toBe('en');
    expect(pageLang('en', 'fr')).toBe('en');
  });

  it('words the sign-in and error pages in French; the AADSTS message stays as Microsoft writes it', () => {
    const login = loginPage({ action: '/x', ctx: 'c', lang: 'fr' });
    expect(login).toContain('<html lang="fr">');
    expect(login).toContain('<h1>Se connecter</h1>');
    expect(login).toContain('Mot de passe');
    const e = new AadstsError(
      400,
      'invalid_request',
      900144,
      "The request body must contain the following parameter: 'client_id'.",
    );
    const page = errorPage(e, { requestId: 'r', correlationId: 'c', timestamp: 't' }, 'fr');
    expect(page).toContain('Désolé, nous ne parvenons pas à vous connecter.');
    expect(page).toContain('ID de corrélation');
    expect(page).toContain('AADSTS900144');
  });
});
