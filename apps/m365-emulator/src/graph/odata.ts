import { GraphErrors } from './errors.ts';
import { FilterParser, type FilterTree, type Token } from './filter-syntax.ts';

/** A term of the directory's `$filter`: a flat string/boolean property compared, listed or matched. */
export type UserTerm =
  | { op: 'eq' | 'ne' | 'ge' | 'le'; prop: string; value: string | boolean | null }
  | { op: 'in'; prop: string; values: (string | boolean | null)[] }
  | { op: 'startswith' | 'endswith'; prop: string; value: string };

/** A parsed OData `$filter` over flat string/boolean properties (what directory queries use). */
export type FilterNode = FilterTree<UserTerm>;

/** Parses `$filter` (eq, ne, ge, le, in, startswith, endswith, and, or, not, parentheses). */
export function parseFilter(s: string, properties: readonly string[]): FilterNode {
  const prop = (name: string) => {
    const p = properties.find((x) => x.toLowerCase() === name.toLowerCase());
    if (!p)
      throw GraphErrors.unsupportedQuery(
        `Unsupported or invalid query filter clause specified for property '${name}' of resource 'User'.`,
      );
    return p;
  };
  // Literals as the directory takes them: keywords in lower case, numbers kept as their text.
  const literal = (p: FilterParser<UserTerm>): string | boolean | null => {
    const t = p.next();
    if (t.kind === 'string') return t.text;
    if (t.text === 'true') return true;
    if (t.text === 'false') return false;
    if (t.text === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(t.text)) return t.text;
    throw p.invalid(`unexpected '${t.text}'.`);
  };
  const term = (t: Token, p: FilterParser<UserTerm>): UserTerm => {
    const fn = t.text.toLowerCase();
    if (fn === 'startswith' || fn === 'endswith') {
      p.expect('(');
      const name = prop(p.next().text);
      p.expect(',');
      const v = literal(p);
      p.expect(')');
      if (typeof v !== 'string') throw p.invalid(`${t.text} expects a string.`);
      return { op: fn, prop: name, value: v };
    }
    const name = prop(t.text);
    const op = p.next().text.toLowerCase();
    if (op === 'in') {
      p.expect('(');
      const values = [literal(p)];
      while (p.accept(',')) values.push(literal(p));
      p.expect(')');
      return { op: 'in', prop: name, values };
    }
    if (op !== 'eq' && op !== 'ne' && op !== 'ge' && op !== 'le')
      throw p.invalid(`operator '${op}' is not supported.`);
    return { op, prop: name, value: literal(p) };
  };
  return new FilterParser(s, { word: /^[A-Za-z0-9_.@/$-]+/, quotesFilter: true, term }).parse();
}

/** Advanced query features need `ConsistencyLevel: eventual` and `$count=true`. */
export function needsAdvancedQuery(n: FilterNode): boolean {
  switch (n.op) {
    case 'and':
    case 'or':
      return needsAdvancedQuery(n.left) || needsAdvancedQuery(n.right);
    case 'not':
    case 'ne':
    case 'endswith':
      return true;
    default:
      return false;
  }
}

const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/** Evaluates a filter on a record (string comparisons are case-insensitive, as in the directory). */
export function evalFilter(n: FilterNode, rec: Record<string, unknown>): boolean {
  switch (n.op) {
    case 'and':
      return evalFilter(n.left, rec) && evalFilter(n.right, rec);
    case 'or':
      return evalFilter(n.left, rec) || evalFilter(n.right, rec);
    case 'not':
      return !evalFilter(n.expr, rec);
    case 'eq':
      return norm(rec[n.prop] ?? null) === norm(n.value);
    case 'ne':
      return norm(rec[n.prop] ?? null) !== norm(n.value);
    case 'ge':
      return String(norm(rec[n.prop]) ?? '') >= String(norm(n.value));
    case 'le':
      return String(norm(rec[n.prop]) ?? '') <= String(norm(n.value));
    case 'in':
      return n.values.some((v) => norm(rec[n.prop] ?? null) === norm(v));
    case 'startswith':
      return (
        typeof rec[n.prop] === 'string' &&
        (rec[n.prop] as string).toLowerCase().startsWith(n.value.toLowerCase())
      );
    case 'endswith':
      return (
        typeof rec[n.prop] === 'string' &&
        (rec[n.prop] as string).toLowerCase().endsWith(n.value.toLowerCase())
      );
  }
}

/** `$search="displayName:claims" OR "mail:prod"`: tokenized prefix search on the named properties. */
export function parseSearch(
  s: string,
  properties: readonly string[],
): (rec: Record<string, unknown>) => boolean {
  const clauses: { join: 'AND' | 'OR'; prop: string; term: string }[] = [];
  const re = /\s*(AND|OR)?\s*"([^":]+):([^"]*)"/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s))) {
    const prop = properties.find((p) => p.toLowerCase() === m![2]!.toLowerCase());
    if (!prop)
      throw GraphErrors.unsupportedQuery(
        `Unsupported or invalid query filter clause specified for property '${m[2]}' of resource 'User'.`,
      );
    clauses.push({ join: (m[1] as 'AND' | 'OR' | undefined) ?? 'AND', prop, term: m[3]!.toLowerCase() });
    consumed = re.lastIndex;
  }
  if (clauses.length === 0 || s.slice(consumed).trim())
    throw GraphErrors.badRequest(
      `Syntax error: character '${s.slice(consumed, consumed + 1)}' is not valid at position ${consumed} in '${s}'.`,
    );
  const match = (rec: Record<string, unknown>, prop: string, term: string) => {
    const v = rec[prop];
    if (typeof v !== 'string') return false;
    const l = v.toLowerCase();
    return l.startsWith(term) || l.split(/[^a-z0-9]+/).some((w) => w.startsWith(term));
  };
  return (rec) => {
    let acc = match(rec, clauses[0]!.prop, clauses[0]!.term);
    for (const c of clauses.slice(1))
      acc = c.join === 'OR' ? acc || match(rec, c.prop, c.term) : acc && match(rec, c.prop, c.term);
    return acc;
  };
}
