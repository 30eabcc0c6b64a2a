import { describe, expect, it } from 'vitest';
import { evalFilter, needsAdvancedQuery, parseFilter, parseSearch } from './odata.ts';
import { GraphHttpError } from './errors.ts';

const PROPS = ['displayName', 'mail', 'userPrincipalName', 'accountEnabled', 'id'] as const;
const alex = {
  displayName: 'Alex Wilber',
  mail: 'alex@contoso.com',
  userPrincipalName: 'alex@contoso.com',
  accountEnabled: true,
  id: '1',
};
const claims = {
  displayName: 'Claims Team',
  mail: 'claims@contoso.com',
  userPrincipalName: 'claims@contoso.com',
  accountEnabled: false,
  id: '2',
};

describe('OData $filter', () => {
  it('eq is case-insensitive on strings and handles booleans', () => {
    const f = parseFilter("mail eq 'ALEX@contoso.com'", PROPS);
    expect([evalFilter(f, alex), evalFilter(f, claims)]).toEqual([true, false]);
    expect(evalFilter(parseFilter('accountEnabled eq false', PROPS), claims)).toBe(true);
  });

  it('startswith, in, and/or precedence, parentheses, escaped quotes', () => {
    expect(evalFilter(parseFilter("startswith(displayName,'cla')", PROPS), claims)).toBe(true);
    expect(evalFilter(parseFilter("id in ('2','3')", PROPS), claims)).toBe(true);
    const f = parseFilter("startswith(mail,'x') or startswith(mail,'a') and accountEnabled eq true", PROPS);
    expect([evalFilter(f, alex), evalFilter(f, claims)]).toEqual([true, false]);
    expect(
      evalFilter(parseFilter("(startswith(mail,'c')) and not (displayName eq 'x')", PROPS), claims),
    ).toBe(true);
    expect(evalFilter(parseFilter("displayName eq 'O''Neil'", PROPS), { displayName: "O'Neil" })).toBe(true);
  });

  it('ne, not and endswith are advanced queries', () => {
    expect(needsAdvancedQuery(parseFilter("mail ne 'a'", PROPS))).toBe(true);
    expect(needsAdvancedQuery(parseFilter("endswith(mail,'@contoso.com')", PROPS))).toBe(true);
    expect(needsAdvancedQuery(parseFilter("mail eq 'a' or startswith(mail,'b')", PROPS))).toBe(false);
  });

  it('rejects unknown properties (Request_UnsupportedQuery) and syntax errors (BadRequest)', () => {
    expect(() => parseFilter("city eq 'Paris'", PROPS)).toThrow(GraphHttpError);
    try {
      parseFilter("city eq 'Paris'", PROPS);
    } catch (e) {
      expect((e as GraphHttpError).code).toBe('Request_UnsupportedQuery');
    }
    expect(() => parseFilter("mail eq 'open", PROPS)).toThrow(/unterminated/);
    expect(() => parseFilter("mail gt 'a'", PROPS)).toThrow(/not supported/);
  });

  it("syntax errors are 400 BadRequest naming the place and the directory's whole filter", () => {
    const error = (filter: string) => {
      try {
        parseFilter(filter, PROPS);
      } catch (e) {
        return [(e as GraphHttpError).code, (e as GraphHttpError).message];
      }
      return undefined;
    };
    expect(error("mail eq 'a' and ; x")).toEqual([
      'BadRequest',
      "Invalid filter clause: syntax error at position 16 in 'mail eq 'a' and ; x'.",
    ]);
    expect(error("startswith(mail 'a')")).toEqual([
      'BadRequest',
      "Invalid filter clause: expected ',' in 'startswith(mail 'a')'.",
    ]);
    expect(error("(mail eq 'a'")).toEqual([
      'BadRequest',
      "Invalid filter clause: unexpected end of '(mail eq 'a''.",
    ]);
    expect(error("mail eq 'a')")).toEqual(['BadRequest', "Invalid filter clause: unexpected ')'."]);
    expect(error('mail eq True')).toEqual(['BadRequest', "Invalid filter clause: unexpected 'True'."]);
    expect(error('startswith(mail,true)')).toEqual([
      'BadRequest',
      'Invalid filter clause: startswith expects a string.',
    ]);
    expect(error("city eq 'a' and (")).toEqual([
      'Request_UnsupportedQuery',
      "Unsupported or invalid query filter clause specified for property 'city' of resource 'User'.",
    ]);
    expect(parseFilter("not mail eq 'a' and id in ('1' , '2')", PROPS)).toEqual({
      op: 'and',
      left: { op: 'not', expr: { op: 'eq', prop: 'mail', value: 'a' } },
      right: { op: 'in', prop: 'id', values: ['1', '2'] },
    });
  });
});

describe('$search', () => {
  it('matches word prefixes per property, with AND/OR', () => {
    expect(parseSearch('"displayName:team"', PROPS)(claims)).toBe(true);
    expect(parseSearch('"displayName:wil"', PROPS)(alex)).toBe(true);
    expect(parseSearch('"displayName:claims" AND "mail:alex"', PROPS)(claims)).toBe(false);
    expect(parseSearch('"displayName:claims" OR "mail:alex"', PROPS)(alex)).toBe(true);
  });
});
