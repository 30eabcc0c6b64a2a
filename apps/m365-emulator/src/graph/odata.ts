import { GraphErrors } from './errors.ts';

/** A parsed OData `$filter` over flat string/boolean properties (what directory queries use). */
export type FilterNode =
  | { op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { op: 'not'; expr: FilterNode }
  | { op: 'eq' | 'ne' | 'ge' | 'le'; prop: string; value: string | boolean | null }
  | { op: 'in'; prop: string; values: (string | boolean | null)[] }
  | { op: 'startswith' | 'endswith'; prop: string; value: string };

type Tok = { t: 'id' | 'str' | 'punct'; v: string };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw GraphErrors.badRequest(`Invalid filter clause: unterminated string literal.`);
        if (s[i] === "'") {
          if (s[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += s[i++];
      }
      out.push({ t: 'str', v });
    } else if ('(),'.includes(c)) {
      out.push({ t: 'punct', v: c });
      i++;
    } else {
      const m = /^[A-Za-z0-9_.@/$-]+/.exec(s.slice(i));
      if (!m) throw GraphErrors.badRequest(`Invalid filter clause: syntax error at position ${i} in '${s}'.`);
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

/** Parses `$filter` (eq, ne, ge, le, in, startswith, endswith, and, or, not, parentheses). */
export function parseFilter(s: string, properties: readonly string[]): FilterNode {
  const toks = tokenize(s);
  let pos = 0;
  const peek = () => toks[pos];
  const next = () => {
    const t = toks[pos++];
    if (!t) throw GraphErrors.badRequest(`Invalid filter clause: unexpected end of '${s}'.`);
    return t;
  };
  const expect = (v: string) => {
    const t = next();
    if (t.v !== v) throw GraphErrors.badRequest(`Invalid filter clause: expected '${v}' in '${s}'.`);
  };
  const prop = (name: string) => {
    const p = properties.find((x) => x.toLowerCase() === name.toLowerCase());
    if (!p) throw GraphErrors.unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${name}' of resource 'User'.`);
    return p;
  };
  const literal = (): string | boolean | null => {
    const t = next();
    if (t.t === 'str') return t.v;
    if (t.v === 'true') return true;
    if (t.v === 'false') return false;
    if (t.v === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(t.v)) return t.v;
    throw GraphErrors.badRequest(`Invalid filter clause: unexpected '${t.v}'.`);
  };
  const primary = (): FilterNode => {
    const t = next();
    if (t.v === '(') {
      const e = orExpr();
      expect(')');
      return e;
    }
    if (t.t === 'id' && t.v.toLowerCase() === 'not') return { op: 'not', expr: primary() };
    if (t.t === 'id' && (t.v.toLowerCase() === 'startswith' || t.v.toLowerCase() === 'endswith')) {
      expect('(');
      const p = prop(next().v);
      expect(',');
      const v = literal();
      expect(')');
      if (typeof v !== 'string') throw GraphErrors.badRequest(`Invalid filter clause: ${t.v} expects a string.`);
      return { op: t.v.toLowerCase() as 'startswith' | 'endswith', prop: p, value: v };
    }
    if (t.t !== 'id') throw GraphErrors.badRequest(`Invalid filter clause: unexpected '${t.v}'.`);
    const p = prop(t.v);
    const op = next().v.toLowerCase();
    if (op === 'in') {
      expect('(');
      const values = [literal()];
      while (peek()?.v === ',') {
        pos++;
        values.push(literal());
      }
      expect(')');
      return { op: 'in', prop: p, values };
    }
    if (op !== 'eq' && op !== 'ne' && op !== 'ge' && op !== 'le') throw GraphErrors.badRequest(`Invalid filter clause: operator '${op}' is not supported.`);
    return { op, prop: p, value: literal() };
  };
  const andExpr = (): FilterNode => {
    let left = primary();
    while (peek()?.t === 'id' && peek()!.v.toLowerCase() === 'and') {
      pos++;
      left = { op: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): FilterNode => {
    let left = andExpr();
    while (peek()?.t === 'id' && peek()!.v.toLowerCase() === 'or') {
      pos++;
      left = { op: 'or', left, right: andExpr() };
    }
    return left;
  };
  const tree = orExpr();
  if (pos !== toks.length) throw GraphErrors.badRequest(`Invalid filter clause: unexpected '${toks[pos]!.v}'.`);
  return tree;
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
      return typeof rec[n.prop] === 'string' && (rec[n.prop] as string).toLowerCase().startsWith(n.value.toLowerCase());
    case 'endswith':
      return typeof rec[n.prop] === 'string' && (rec[n.prop] as string).toLowerCase().endsWith(n.value.toLowerCase());
  }
}

/** `$search="displayName:claims" OR "mail:prod"`: tokenized prefix search on the named properties. */
export function parseSearch(s: string, properties: readonly string[]): (rec: Record<string, unknown>) => boolean {
  const clauses: { join: 'AND' | 'OR'; prop: string; term: string }[] = [];
  const re = /\s*(AND|OR)?\s*"([^":]+):([^"]*)"/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s))) {
    const prop = properties.find((p) => p.toLowerCase() === m![2]!.toLowerCase());
    if (!prop) throw GraphErrors.unsupportedQuery(`Unsupported or invalid query filter clause specified for property '${m[2]}' of resource 'User'.`);
    clauses.push({ join: (m[1] as 'AND' | 'OR' | undefined) ?? 'AND', prop, term: m[3]!.toLowerCase() });
    consumed = re.lastIndex;
  }
  if (clauses.length === 0 || s.slice(consumed).trim()) throw GraphErrors.badRequest(`Syntax error: character '${s.slice(consumed, consumed + 1)}' is not valid at position ${consumed} in '${s}'.`);
  const match = (rec: Record<string, unknown>, prop: string, term: string) => {
    const v = rec[prop];
    if (typeof v !== 'string') return false;
    const l = v.toLowerCase();
    return l.startsWith(term) || l.split(/[^a-z0-9]+/).some((w) => w.startsWith(term));
  };
  return (rec) => {
    let acc = match(rec, clauses[0]!.prop, clauses[0]!.term);
    for (const c of clauses.slice(1)) acc = c.join === 'OR' ? acc || match(rec, c.prop, c.term) : acc && match(rec, c.prop, c.term);
    return acc;
  };
}
