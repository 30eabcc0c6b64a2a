import { z } from 'zod';
import { said } from './said.ts';

/**
 * An ISO time from a client that the database can store. ISO 8601 has a year 0 (1 BC); PostgreSQL
 * does not, and a time it cannot read would fail inside the query as a 500 instead of a 400.
 */
export const IsoTime = z.iso.datetime().refine((s) => !s.startsWith('0000'), {
  message: said('Use a year from 0001 on.', 'Utilisez une année à partir de 0001.'),
});

/** An ISO date (`YYYY-MM-DD`) from a client that the database can store (see `IsoTime`). */
export const IsoDate = z.iso.date().refine((s) => !s.startsWith('0000'), {
  message: said('Use a year from 0001 on.', 'Utilisez une année à partir de 0001.'),
});
