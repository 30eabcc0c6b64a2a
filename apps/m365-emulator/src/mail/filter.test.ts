import { describe, expect, it } from 'vitest';
import type { GraphHttpError } from '../graph/errors.ts';
import { deltaFilterBound, evalMessageFilter, parseMessageFilter } from './filter.ts';
import { MailStore, extendedPropertyKey } from './store.ts';
import type { User } from '../tenant/model.ts';

const user = { id: 'a3136ae3-d9db-430e-8e05-091153a14c36', tenantId: 't' } as User;
const store = new MailStore(() => Date.UTC(2026, 0, 10));
const box = store.mailbox(user);
const inbox = store.wellKnown(box, 'inbox')!;
const msg = store.addMessage(box, inbox, {
  subject: 'Claim CLM-1 water damage',
  receivedMs: Date.UTC(2026, 0, 5),
  from: { emailAddress: { name: 'Ann', address: 'ann@example.com' } },
  categories: ['Red category'],
  singleValueExtendedProperties: [
    { id: 'String {8D2F3C1E-5B7A-4C9D-A1E2-F3B4C5D6E7F8} Name ProcessedBy', value: 'Job-1' },
  ],
});
const test = (f: string) => evalMessageFilter(parseMessageFilter(f), msg, () => 'folder');

describe('message $filter', () => {
  it('dates, booleans, strings, functions and boolean logic', () => {
    expect(test('receivedDateTime ge 2026-01-01T00:00:00Z')).toBe(true);
    expect(test('receivedDateTime gt 2026-01-05T00:00:00Z')).toBe(false);
    expect(test("isRead eq false and contains(subject,'WATER')")).toBe(true);
    expect(test("from/emailAddress/address eq 'ANN@example.com' and not (hasAttachments eq true)")).toBe(
      true,
    );
    expect(test("startswith(subject,'x') or importance eq 'normal'")).toBe(true);
  });

  it('lambda filters on extended properties (GUID and type case-insensitive, Name case-sensitive, value case-insensitive) and categories', () => {
    expect(
      test(
        "singleValueExtendedProperties/Any(ep: ep/id eq 'string {8d2f3c1e-5b7a-4c9d-a1e2-f3b4c5d6e7f8} Name ProcessedBy' and ep/value eq 'job-1')",
      ),
    ).toBe(true);
    expect(
      test(
        "singleValueExtendedProperties/any(ep: ep/id eq 'String {8d2f3c1e-5b7a-4c9d-a1e2-f3b4c5d6e7f8} Name processedby' and ep/value eq 'job-1')",
      ),
    ).toBe(false);
    expect(test("categories/any(c: c eq 'red category')")).toBe(true);
    expect(extendedPropertyKey('String {ABC} Name X')).toBe('string abc name X');
  });

  it('rejects unknown properties and bad syntax; delta accepts only receivedDateTime ge|gt', () => {
    expect(() => parseMessageFilter("body eq 'x'")).toThrow(/Could not find a property/);
    expect(() => parseMessageFilter('isRead eq')).toThrow(/unexpected end/);
    expect(deltaFilterBound('receivedDateTime ge 2026-01-01T00:00:00Z')).toEqual({
      ms: Date.UTC(2026, 0, 1),
      inclusive: true,
    });
    expect(() => deltaFilterBound("subject eq 'x'")).toThrow();
  });

  it('syntax errors are 400 BadRequest naming the place (not the filter); not binds tighter than and, and than or', () => {
    const error = (filter: string) => {
      try {
        parseMessageFilter(filter);
      } catch (e) {
        return [(e as GraphHttpError).code, (e as GraphHttpError).message];
      }
      return undefined;
    };
    expect(error('isRead eq true and ; x')).toEqual([
      'BadRequest',
      'Invalid filter clause: syntax error at position 19.',
    ]);
    expect(error("contains(subject 'a')")).toEqual(['BadRequest', "Invalid filter clause: expected ','."]);
    expect(error('(isRead eq true')).toEqual([
      'BadRequest',
      "Invalid filter clause: unexpected end of '(isRead eq true'.",
    ]);
    expect(error('isRead eq TRUE)')).toEqual(['BadRequest', "Invalid filter clause: unexpected ')'."]);
    expect(error('receivedDateTime ge 2026-13-45T00:00:00Z')).toEqual([
      'BadRequest',
      "Invalid filter clause: bad date '2026-13-45T00:00:00Z'.",
    ]);
    expect(error("categories/any(c c eq 'x')")).toEqual([
      'BadRequest',
      "Invalid filter clause: expected ':'.",
    ]);
    expect(
      parseMessageFilter("not isRead eq true and importance eq 'high' or hasAttachments eq false"),
    ).toEqual({
      op: 'or',
      left: {
        op: 'and',
        left: { op: 'not', expr: { op: 'cmp', cmp: 'eq', path: 'isRead', value: true } },
        right: { op: 'cmp', cmp: 'eq', path: 'importance', value: 'high' },
      },
      right: { op: 'cmp', cmp: 'eq', path: 'hasAttachments', value: false },
    });
    expect(
      parseMessageFilter("categories/any(c: c eq 'x') and receivedDateTime lt 2026-01-01T00:00:00+01:00"),
    ).toEqual({
      op: 'and',
      left: {
        op: 'any',
        collection: 'categories',
        variable: 'c',
        pred: { op: 'cmp', cmp: 'eq', path: '$value', value: 'x' },
      },
      right: { op: 'cmp', cmp: 'lt', path: 'receivedDateTime', value: { date: Date.UTC(2025, 11, 31, 23) } },
    });
  });
});
