import { z } from 'zod';
import { invalidField, type AppError } from '../core/errors.ts';

/**
 * Page cursors: opaque to clients (base64url), checked strictly on the way back in. A cursor this
 * server did not make is refused with 400 before any query: a time PostgreSQL cannot read
 * (`+275760-09-13…`, year 0) would otherwise fail inside the database as a 500.
 */

function invalidCursor(): AppError {
  return invalidField('cursor', {
    en: 'This page link is not valid any more. Start again from the first page.',
    fr: 'Ce lien de page n’est plus valable. Recommencez à partir de la première page.',
  });
}

const text = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');
const encode = (s: string) => Buffer.from(s).toString('base64url');

/** What `Date.toISOString` writes for years 1–9999: the only times a cursor of ours holds. */
const IsoTime = z.iso.datetime({ precision: 3 }).refine((s) => !s.startsWith('0000'));
const Uuid = z.uuid();

/** Newest-first keyset position: the last row's time and id (documents). */
export const timeIdCursor = {
  encode: (at: Date, id: string): string => encode(`${at.toISOString()}|${id}`),
  decode(cursor: string | undefined): { at: Date; id: string } | undefined {
    if (!cursor) return undefined;
    const parts = text(cursor).split('|');
    const [at, id] = parts;
    if (parts.length !== 2 || !IsoTime.safeParse(at).success || !Uuid.safeParse(id).success)
      throw invalidCursor();
    return { at: new Date(at!), id: id! };
  },
};

/** A changes feed's position: the last change's exact time (microseconds, as the database has it) and id. */
export const changeCursor = {
  encode: (at: string, id: string): string => encode(`${at}|${id}`),
  decode(cursor: string | undefined): { at: string; id: string } | undefined {
    if (!cursor) return undefined;
    const parts = text(cursor).split('|');
    const [at, id] = parts;
    const exact =
      /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(at ?? '') &&
      !Number.isNaN(Date.parse(at!));
    if (parts.length !== 2 || !exact || !Uuid.safeParse(id).success) throw invalidCursor();
    return { at: at!, id: id! };
  },
};

/** Sequence number of the last entry seen (audit log). */
export const sequenceCursor = {
  encode: (seq: number): string => encode(String(seq)),
  decode(cursor: string | undefined): number | undefined {
    if (!cursor) return undefined;
    const s = text(cursor);
    const n = Number(s);
    if (!/^[1-9]\d*$/.test(s) || !Number.isSafeInteger(n)) throw invalidCursor();
    return n;
  },
};
