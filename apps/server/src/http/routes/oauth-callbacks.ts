import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Locale } from '@mailroom/contracts';
import { CallbackError } from '../../connectors/callbacks.ts';
import type { Words } from '../../core/errors.ts';
import type { HttpDeps } from '../deps.ts';
import { requestLocale } from '../request-locale.ts';

/** Set when a consent link is opened; the consent and the admin's sign-in must come back with it. */
const CONSENT_COOKIE = 'mailroom_consent';

const CallbackQuery = z.object({
  code: z.string().max(4000).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
  admin_consent: z.string().max(20).optional(),
  tenant: z.string().max(100).optional(),
  scope: z.string().max(2000).optional(),
});

/**
 * Where Microsoft sends the browser back: the sign-in callback (delegated, or the administrator's
 * sign-in after an organisation-wide consent), the consent link's start, and the consent callback
 * (decision 0009). No session is required here; each flow checks its own binding.
 */
export const oauthCallbackRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const svc = deps.connectors;

  const connectorPage = (ws: string, id: string, q: Record<string, string>) =>
    `${deps.config.publicBaseUrl}/w/${ws}/settings/connectors/${id}?${new URLSearchParams(q).toString()}`;

  /**
   * A failed callback: on the connector page for the person who asked for the connection, on a plain
   * page for anyone else (an Entra admin who followed a consent link, or a browser it was not meant for).
   */
  function callbackFailure(req: FastifyRequest, reply: FastifyReply, err: unknown) {
    if (!(err instanceof CallbackError)) throw err;
    const locale = requestLocale(req);
    const forRequester = !err.requesterId || req.session?.user.id === err.requesterId;
    if (err.workspaceId && err.connectorId && forRequester) {
      return reply.redirect(
        connectorPage(err.workspaceId, err.connectorId, {
          error: err.code,
          detail: err.words[locale].slice(0, 300),
        }),
      );
    }
    return reply
      .status(400)
      .type('text/html; charset=utf-8')
      .send(page(locale, PAGE_WORDS.failed[locale], err.words[locale], deps.config.publicBaseUrl));
  }

  const browserOf = (req: FastifyRequest) => ({
    sessionHash: req.session?.tokenHash,
    actorId: req.session?.user.id,
    consentSecret: req.cookies[CONSENT_COOKIE],
  });
  const consentCookie = {
    path: '/api/v1/oauth/microsoft',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: deps.config.cookieSecure,
  };

  app.get(
    '/api/v1/oauth/microsoft/callback',
    { schema: { hide: true, querystring: CallbackQuery } },
    async (req, reply) => {
      try {
        const done = await svc.completeSignIn(req.query, browserOf(req));
        if (done.mode === 'organization') return organisationConnected(req, reply, done);
        return reply.redirect(connectorPage(done.workspaceId, done.connectorId, { connected: '1' }));
      } catch (err) {
        return callbackFailure(req, reply, err);
      }
    },
  );

  /** The consent link (decision 0009): binds this browser to the flow, then Microsoft's consent page. */
  app.get(
    '/api/v1/oauth/microsoft/admin-consent/start',
    { schema: { hide: true, querystring: z.object({ ticket: z.string().max(200).optional() }) } },
    async (req, reply) => {
      try {
        const opened = await svc.orgConsent.open(req.query.ticket ?? '');
        reply.setCookie(CONSENT_COOKIE, opened.consentSecret, {
          ...consentCookie,
          maxAge: opened.maxAgeSeconds,
        });
        return reply.redirect(opened.redirect);
      } catch (err) {
        return callbackFailure(req, reply, err);
      }
    },
  );

  app.get(
    '/api/v1/oauth/microsoft/admin-consent/callback',
    { schema: { hide: true, querystring: CallbackQuery } },
    async (req, reply) => {
      try {
        // Consent given: the administrator signs in next, so that Mailroom knows who and where.
        return reply.redirect(await svc.orgConsent.completeConsent(req.query, browserOf(req)));
      } catch (err) {
        return callbackFailure(req, reply, err);
      }
    },
  );

  function organisationConnected(
    req: FastifyRequest,
    reply: FastifyReply,
    done: { workspaceId: string; connectorId: string; userId: string; tenantName: string | null },
  ) {
    reply.clearCookie(CONSENT_COOKIE, consentCookie);
    if (req.session?.user.id === done.userId)
      return reply.redirect(connectorPage(done.workspaceId, done.connectorId, { connected: '1' }));
    // The admin who clicked may be someone without a Mailroom account: thank them in plain words, in
    // their browser's language.
    const locale = requestLocale(req);
    return reply
      .type('text/html; charset=utf-8')
      .send(
        page(
          locale,
          PAGE_WORDS.granted[locale],
          PAGE_WORDS.grantedText(done.tenantName)[locale],
          deps.config.publicBaseUrl,
        ),
      );
  }
};

const PAGE_WORDS = {
  failed: { en: 'Mailroom could not finish connecting', fr: 'Mailroom n’a pas pu terminer la connexion' },
  granted: { en: 'Permission granted', fr: 'Autorisation accordée' },
  grantedText: (tenant: string | null): Words => ({
    en: `Mailroom can now read mailboxes in ${tenant ?? 'your organisation'}. You can close this tab; the person who sent you the link will see the connection.`,
    fr: `Mailroom peut désormais lire les boîtes aux lettres de ${tenant ?? 'votre organisation'}. Vous pouvez fermer cet onglet ; la personne qui vous a envoyé le lien verra la connexion.`,
  }),
  open: { en: 'Open Mailroom', fr: 'Ouvrir Mailroom' },
} satisfies Record<string, Words | ((tenant: string | null) => Words)>;

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A minimal page for people who land here from Microsoft without the app open (often no account). */
function page(locale: Locale, title: string, text: string, home: string): string {
  return `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(title)} — Mailroom</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1b1e}a{color:#1c7ed6}</style></head>
<body><h1>${escape(title)}</h1><p>${escape(text)}</p><p><a href="${escape(home)}">${escape(PAGE_WORDS.open[locale])}</a></p></body></html>`;
}
