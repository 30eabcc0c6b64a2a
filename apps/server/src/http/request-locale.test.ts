import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { localeOf, requestLocale } from './request-locale.ts';

describe('the language of a request’s messages', () => {
  it('is Accept-Language’s most wanted language Mailroom speaks, else English', () => {
    expect(localeOf('fr-BE,fr;q=0.9,en;q=0.5')).toBe('fr');
    expect(localeOf('fr')).toBe('fr');
    expect(localeOf('en-GB')).toBe('en');
    expect(localeOf(undefined)).toBe('en');
    expect(localeOf('')).toBe('en');
    // A language Mailroom does not speak is passed over for the next one wanted.
    expect(localeOf('de-DE,de;q=0.9,fr;q=0.8,en;q=0.7')).toBe('fr');
    expect(localeOf('en;q=0.5, fr')).toBe('fr');
    expect(localeOf('fr;q=0, en;q=0.1')).toBe('en');
    expect(localeOf('FR-ca')).toBe('fr');
    expect(localeOf('french')).toBe('en');
  });

  const req = (r: { stated?: 'en' | 'fr'; profile?: 'en' | 'fr'; header?: string }) =>
    ({
      statedLocale: r.stated ?? null,
      session: r.profile ? { user: { locale: r.profile } } : null,
      headers: r.header ? { 'accept-language': r.header } : {},
    }) as unknown as FastifyRequest;

  it('is the signed-in person’s profile language first, then the browser’s', () => {
    expect(requestLocale(req({ profile: 'fr', header: 'en-US' }))).toBe('fr');
    expect(requestLocale(req({ profile: 'en', header: 'fr-FR' }))).toBe('en');
    expect(requestLocale(req({ header: 'fr-FR' }))).toBe('fr');
    expect(requestLocale(req({}))).toBe('en');
    // A language the request names itself (the setup form's) comes before both.
    expect(requestLocale(req({ stated: 'fr', header: 'en' }))).toBe('fr');
  });
});
