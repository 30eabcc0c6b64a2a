import type { Words } from '../core/errors.ts';

/**
 * A failure of the callback from Microsoft, shown on the connector page as `?error=code` — or, when
 * `requesterId` is set and someone else's browser got here (an Entra admin with no Mailroom account),
 * on a plain page of its own.
 */
export class CallbackError extends Error {
  readonly code: string;
  /** Mailroom's own sentence in each language; Microsoft's words (a string) are the same in both. */
  readonly words: Words;
  readonly workspaceId: string | undefined;
  readonly connectorId: string | undefined;
  readonly requesterId: string | undefined;
  constructor(
    code: string,
    message: Words | string,
    where?: { workspaceId: string; connectorId: string; requesterId?: string },
  ) {
    const words = typeof message === 'string' ? { en: message, fr: message } : message;
    super(words.en);
    this.words = words;
    this.code = code;
    this.workspaceId = where?.workspaceId;
    this.connectorId = where?.connectorId;
    this.requesterId = where?.requesterId;
  }
}

export interface SignInCallback {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

/** What ties a callback to the browser that started the flow. */
export interface BrowserBinding {
  /** Hash of the Mailroom session cookie, if the browser has one. */
  sessionHash: string | undefined;
  actorId: string | undefined;
  /** The organisation-consent cookie set when the consent link was opened. */
  consentSecret: string | undefined;
}

export interface SignInOutcome {
  mode: 'delegated' | 'organization';
  workspaceId: string;
  connectorId: string;
  /** Who asked for the connection in Mailroom. */
  userId: string;
  tenantName: string | null;
}

/**
 * The PKCE verifier kept for a sign-in, or a callback error in words: a verifier that cannot be
 * decrypted (the encryption key changed while the person was at Microsoft) ends the sign-in cleanly.
 */
export function openVerifier(
  open: () => string,
  where: { workspaceId: string; connectorId: string; requesterId?: string },
): string {
  try {
    return open();
  } catch {
    throw new CallbackError(
      'state_invalid',
      {
        en: 'Mailroom can no longer read this sign-in (its encryption key changed meanwhile). Start again from the connector page.',
        fr: 'Mailroom ne peut plus lire cette connexion (sa clé de chiffrement a changé entre-temps). Recommencez depuis la page du connecteur.',
      },
      where,
    );
  }
}
