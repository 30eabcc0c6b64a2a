import { z } from 'zod';

/**
 * Zod compiles object parsers with `new Function` when it can, and finds out by trying. The server's
 * Content-Security-Policy allows only the bundle's own scripts (no 'unsafe-eval'), so that attempt is a
 * CSP violation, logged on every page. Interpreted parsing is plenty fast for forms and API answers.
 * Imported first by main.tsx, before any schema parses.
 */
z.config({ jitless: true });
