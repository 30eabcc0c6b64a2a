import type { Locale } from '@mailroom/contracts';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** A language the request itself names for its messages (setup's form has one), else null. */
    statedLocale: Locale | null;
  }
}

export function registerRequestLocale(app: FastifyInstance): void {
  app.decorateRequest('statedLocale', null);
}

/**
 * The language of a request's messages: the one it names itself, else the signed-in person's (their
 * profile's, read with the session by plugins/auth.ts, so no query of its own), else the browser's
 * (Accept-Language: before sign-in, and for API keys). The SPA sends the language it shows.
 */
export function requestLocale(req: FastifyRequest): Locale {
  return req.statedLocale ?? req.session?.user.locale ?? localeOf(req.headers['accept-language']);
}

/**
 * Accept-Language's most wanted language Mailroom speaks (`de, fr;q=0.8, en;q=0.5` is French), or
 * English. Equal weights keep the order the client gave.
 */
export function localeOf(acceptLanguage: string | undefined): Locale {
  let best: { locale: Locale; q: number } | undefined;
  for (const range of (acceptLanguage ?? '').split(',')) {
    const [tag = '', ...params] = range.split(';').map((p) => p.trim());
    const locale = /^(en|fr)(-|$)/i.exec(tag)?.[1]?.toLowerCase() as Locale | undefined;
    const weight = params.find((p) => /^q=/i.test(p));
    const q = weight === undefined ? 1 : Number(weight.slice(2)); // NaN when malformed: left out
    if (locale && q > 0 && (!best || q > best.q)) best = { locale, q };
  }
  return best?.locale ?? 'en';
}
