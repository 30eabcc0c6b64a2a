import { randomUUID } from 'node:crypto';
import { api, type InboxList, type User } from '@mailroom/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from './document-fixtures.ts';
import { Client, setUp, startTestApp, type TestApp } from './helpers.ts';

// The server's own words in the asker's language (decision 0019): the signed-in person's profile
// language first, else the browser's Accept-Language; English otherwise, as it always was.

type Err = {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
};

let app: TestApp;
let ws: string;
let inbox: string;
/** The owner: English profile, the setup's default. */
let english: Client;
let englishMember: Client;
let french: Client;
let frenchMember: Client;

/** Someone who joins and sets their profile's language to French (the account menu's Language). */
async function inFrench(c: Client): Promise<Client> {
  const me = await c.patch<User>(api.me, { locale: 'fr' });
  expect(me.body.locale).toBe('fr');
  return c;
}

beforeAll(async () => {
  app = await startTestApp();
  ({ client: english, workspaceId: ws } = await setUp(app));
  englishMember = (await join(app, english, ws, 'emma@example.com', 'member')).client;
  french = await inFrench((await join(app, english, ws, 'camille@example.com', 'admin')).client);
  frenchMember = await inFrench((await join(app, english, ws, 'louis@example.com', 'member')).client);
  inbox = (await english.get<InboxList>(api.inboxes(ws))).body.items[0]!.id;
  expect((await english.post(api.tags(ws), { name: 'urgent' })).status).toBe(201);
});
afterAll(async () => {
  await app?.close();
});

/**
 * Each person's browser sends the other language: the profile decides, not the header (the SPA
 * follows the profile anyway; an API client may not).
 */
const browser = (c: Client) => ({
  'accept-language': c === french || c === frenchMember ? 'en-US' : 'fr-FR',
});
const send = <T = Err>(c: Client, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
  c.request<T>(method, url, body, browser(c));

describe('a signed-in person reads the server’s messages in their profile’s language', () => {
  it('not found', async () => {
    const url = api.connector(ws, randomUUID());
    const fr = await send(french, 'GET', url);
    const en = await send(english, 'GET', url);
    expect([fr.status, en.status]).toEqual([404, 404]);
    expect(fr.body.error.message).toBe('Connecteur introuvable.');
    expect(en.body.error.message).toBe('Connector not found.');
  });

  it('a conflict that names what is in the way', async () => {
    const fr = await send(french, 'POST', api.tags(ws), { name: 'Urgent' });
    const en = await send(english, 'POST', api.tags(ws), { name: 'Urgent' });
    expect([fr.status, en.status]).toEqual([409, 409]);
    expect(fr.body.error.message).toBe('Une étiquette nommée « Urgent » existe déjà.');
    expect(en.body.error.message).toBe('A tag named "Urgent" already exists.');
  });

  it('a field the server checked, with its own detail', async () => {
    const body = { memberIds: [randomUUID()] };
    const fr = await send(french, 'PATCH', api.inbox(ws, inbox), body);
    const en = await send(english, 'PATCH', api.inbox(ws, inbox), body);
    expect([fr.status, en.status]).toEqual([400, 400]);
    expect(fr.body.error).toMatchObject({
      code: 'validation_failed',
      message: 'Certains champs sont à corriger.',
      details: [{ path: 'memberIds', message: 'Cette personne n’est pas membre de cet espace de travail.' }],
    });
    expect(en.body.error).toMatchObject({
      message: 'Some fields are not valid.',
      details: [{ path: 'memberIds', message: 'Not a member of this workspace.' }],
    });
  });

  it('fields the contract refuses: its own words, and zod’s for the rest, in French', async () => {
    const url = api.workspace(ws);
    const body = { retentionDays: 1.5 };
    const fr = await send(french, 'PATCH', url, body);
    const en = await send(english, 'PATCH', url, body);
    expect([fr.status, en.status]).toEqual([400, 400]);
    expect(fr.body.error.details).toEqual([
      { path: 'retentionDays', message: 'Saisissez un nombre entier de jours.' },
    ]);
    expect(en.body.error.details).toEqual([
      { path: 'retentionDays', message: 'Enter a whole number of days.' },
    ]);
    // A field the contract words nothing of itself (a type that is not a string): zod's French.
    const typed = await send(french, 'POST', api.tags(ws), { name: 42 });
    expect(typed.status).toBe(400);
    expect(typed.body.error.details).toEqual([
      { path: 'name', message: 'Entrée invalide : chaîne de caractères attendu, nombre reçu' },
    ]);
    const typedEn = await send(english, 'POST', api.tags(ws), { name: 42 });
    expect(typedEn.body.error.details?.[0]?.message).toBe('Invalid input: expected string, received number');
  });

  it('a member refused an admin’s work', async () => {
    const fr = await send(frenchMember, 'POST', api.tags(ws), { name: 'vip' });
    const en = await send(englishMember, 'POST', api.tags(ws), { name: 'vip' });
    expect([fr.status, en.status]).toEqual([403, 403]);
    expect(fr.body.error.message).toBe(
      'Seuls les administrateurs de l’espace de travail peuvent faire cela.',
    );
    expect(en.body.error.message).toBe('Only workspace admins can do this.');
  });

  it('the handler’s own messages too (a body that is not JSON)', async () => {
    const json = { 'content-type': 'application/json' };
    const fr = await french.request<Err>('POST', api.tags(ws), '{"name":', { ...browser(french), ...json });
    const en = await english.request<Err>('POST', api.tags(ws), '{"name":', { ...browser(english), ...json });
    expect(fr.body.error).toMatchObject({
      code: 'malformed_json',
      message: 'Le corps de la requête n’est pas du JSON valide.',
    });
    expect(en.body.error.message).toBe('The request body is not valid JSON.');
  });

  it('switching back to English gives English again at once', async () => {
    const c = await inFrench((await join(app, english, ws, 'noe@example.com', 'admin')).client);
    const url = api.connector(ws, randomUUID());
    expect((await c.get<Err>(url)).body.error.message).toBe('Connecteur introuvable.');
    await c.patch(api.me, { locale: 'en' });
    expect((await c.get<Err>(url)).body.error.message).toBe('Connector not found.');
  });
});

describe('before sign-in, the browser’s Accept-Language decides', () => {
  const FR = { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.8' };

  it('a wrong password', async () => {
    const c = new Client(app);
    await c.session();
    const wrong = { email: 'emma@example.com', password: 'not her password' };
    const fr = await c.request<Err>('POST', api.login, wrong, FR);
    const en = await c.request<Err>('POST', api.login, wrong);
    expect([fr.status, en.status]).toEqual([401, 401]);
    expect(fr.body.error.message).toBe('L’adresse e-mail ou le mot de passe est incorrect.');
    expect(en.body.error.message).toBe('The email or password is incorrect.');
  });

  it('a form the contract refuses: the summary and the contract’s own details in French', async () => {
    const c = new Client(app);
    await c.session();
    const bad = { email: 'not an address', password: 'x' };
    const fr = await c.request<Err>('POST', api.login, bad, FR);
    expect(fr.status).toBe(400);
    expect(fr.body.error.message).toBe('Certains champs sont à corriger.');
    expect(fr.body.error.details).toEqual([
      { path: 'email', message: 'Saisissez une adresse e-mail valide.' },
    ]);
    const en = await c.request<Err>('POST', api.login, bad);
    expect(en.body.error.details).toEqual([{ path: 'email', message: 'Enter a valid email address.' }]);
  });

  it('asked to sign in, and an unknown route', async () => {
    const c = new Client(app);
    const fr = await c.request<Err>('GET', api.inboxes(ws), undefined, FR);
    expect(fr.body.error).toMatchObject({
      code: 'unauthenticated',
      message: 'Connectez-vous pour continuer.',
    });
    const none = await c.request<Err>('GET', '/api/v1/nothing-here', undefined, FR);
    expect(none.body.error.message).toBe('Aucune route pour GET /api/v1/nothing-here.');
    expect((await c.get<Err>('/api/v1/nothing-here')).body.error.message).toBe(
      'No route for GET /api/v1/nothing-here.',
    );
  });
});
