import { Writable } from 'node:stream';
import { api, type AuditList, type DocumentList, type ManagedInbox } from '@mailroom/contracts';
import { sql } from 'drizzle-orm';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../src/http/plugins/errors.ts';
import { asError } from '../src/lib/errors.ts';
import { classify } from '../src/microsoft/classify.ts';
import { fixtureDocument, fixtureFolder } from './document-fixtures.ts';
import { setUp, startTestApp, type Client, type TestApp } from './helpers.ts';

type Err = { error: { code: string; message: string; details?: { path: string; message: string }[] } };

/** Everything the server logs, to search for statements and their parameters. */
let logs = '';
const sink = new Writable({
  write(chunk, _enc, done) {
    logs += chunk.toString();
    done();
  },
});

let app: TestApp;
let owner: Client;
let ws: string;
let folderId: string;

beforeAll(async () => {
  app = await startTestApp({}, { logger: pino({ level: 'debug' }, sink) });
  ({ client: owner, workspaceId: ws } = await setUp(app));
  const inbox = (await owner.post<ManagedInbox>(api.inboxes(ws), { name: 'Claims' })).body.id;
  const at = { workspaceId: ws, inboxId: inbox, ...(await fixtureFolder(app, ws, inbox)) };
  folderId = at.folderId;
  for (let i = 0; i < 3; i++) await fixtureDocument(app, at);
});
afterAll(async () => {
  await app?.close();
});

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const someId = '6f1c1a52-8a3e-4c1e-9d55-0b8c2f0e7a11';

describe('cursors', () => {
  it('refuses a documents cursor it did not make, and times PostgreSQL cannot read, with 400: never a 500', async () => {
    const bad = [
      // The review's input: the largest time JavaScript knows, which PostgreSQL cannot read.
      b64(`+275760-09-13T00:00:00.000Z|${someId}`),
      b64(`0000-01-01T00:00:00.000Z|${someId}`),
      b64(`2026-06-01T12:00:00.000Z|not-a-uuid`),
      b64('2026-06-01T12:00:00.000Z'),
      'garbage',
    ];
    for (const cursor of bad) {
      const r = await owner.get<Err>(`${api.documents(ws)}?cursor=${encodeURIComponent(cursor)}`);
      expect(r.status, cursor).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
      expect(r.body.error.details?.[0]?.path).toBe('cursor');
      expect(r.body.error.details?.[0]?.message).toMatch(/first page/);
    }
    // The same for the time filters: year 0 is a well-formed ISO time PostgreSQL cannot read.
    for (const q of ['from=0000-01-01T00:00:00Z', 'to=0000-06-01T00:00:00.000Z']) {
      const r = await owner.get<Err>(`${api.documents(ws)}?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    const start = await owner.patch<Err>(api.folder(ws, folderId), { processFrom: '0000-01-01T00:00:00Z' });
    expect(start.status).toBe(400);
    expect(start.body.error.details?.[0]?.path).toBe('processFrom');
    expect(logs).not.toMatch(/unhandled error/);
    expect(logs).not.toContain('275760');
  });

  it('still pages with the cursors it made', async () => {
    const first = (await owner.get<DocumentList>(`${api.documents(ws)}?limit=2`)).body;
    expect(first.nextCursor).not.toBeNull();
    const next = await owner.get<DocumentList>(`${api.documents(ws)}?limit=2&cursor=${first.nextCursor}`);
    expect(next.status).toBe(200);
    expect(next.body.items).toHaveLength(1);
  });

  it('refuses an audit cursor it did not make with 400, and pages with its own', async () => {
    for (const cursor of ['garbage', b64('-3'), b64('1.5'), b64('99999999999999999999')]) {
      const r = await owner.get<Err>(`${api.audit(ws)}?cursor=${encodeURIComponent(cursor)}`);
      expect(r.status, cursor).toBe(400);
      expect(r.body.error.details?.[0]?.path).toBe('cursor');
    }
    const first = (await owner.get<AuditList>(`${api.audit(ws)}?limit=1`)).body;
    expect(first.nextCursor).not.toBeNull();
    expect((await owner.get<AuditList>(`${api.audit(ws)}?limit=1&cursor=${first.nextCursor}`)).status).toBe(
      200,
    );
  });
});

describe('database errors in the log', () => {
  it('logs a failed query as a 500 without its statement or parameters', async () => {
    let out = '';
    const http = Fastify({
      loggerInstance: pino(
        { level: 'info' },
        new Writable({
          write(chunk, _enc, done) {
            out += chunk.toString();
            done();
          },
        }),
      ) as FastifyBaseLogger,
    });
    registerErrorHandling(http);
    const { db } = app.server.database;
    // A real statement the database refuses, carrying a parameter that stands for an email's content.
    http.get('/boom', async () => db.execute(sql`select ${'secret-body-of-an-email'}::int as n from users`));
    const r = await http.inject({ method: 'GET', url: '/boom' });
    await http.close();
    expect(r.statusCode).toBe(500);
    expect(out).toMatch(/unhandled error/);
    // The database's own words stay, so the log still says what went wrong.
    expect(out).toMatch(/invalid input syntax for type integer/);
    expect(out).not.toContain('secret-body-of-an-email');
    expect(out).not.toMatch(/from users/i);
    expect(out).not.toMatch(/"(query|params)"/);
  });

  it('keeps statements and parameters out of job failures and connector/outflow errors too', async () => {
    const failed = await app.server.database.db
      .execute(sql`select ${'secret-body-of-an-email'}::int as n from users`)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    const job = asError(failed);
    const told = classify(failed);
    for (const text of [job.message, job.stack ?? '', told.detail]) {
      expect(text).toMatch(/invalid input syntax for type integer/);
      expect(text).not.toContain('secret-body-of-an-email');
      expect(text).not.toMatch(/from users/i);
    }
  });
});
