import { GraphHttpError } from '../graph/errors.ts';
import type { Message } from './model.ts';
import { extendedPropertyKey } from './store.ts';

/**
 * OData `$filter` over messages: comparisons on dates, booleans and strings, `contains`/
 * `startswith`, `and`/`or`/`not`, and the lambda forms clients use for the "processed" marker
 * (`singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')`) and categories.
 */
export type MsgFilter =
  | { op: 'and' | 'or'; left: MsgFilter; right: MsgFilter }
  | { op: 'not'; expr: MsgFilter }
  | { op: 'cmp'; cmp: Cmp; path: string; value: Literal }
  | { op: 'fn'; fn: 'contains' | 'startswith' | 'endswith'; path: string; value: string }
  | { op: 'any'; collection: string; variable: string; pred: MsgFilter };

type Cmp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
type Literal = string | number | boolean | null | { date: number };
type Tok = { t: 'id' | 'str' | 'p'; v: string };

const bad = (msg: string) => new GraphHttpError(400, 'BadRequest', `Invalid filter clause: ${msg}`);
const unknownProp = (name: string) => new GraphHttpError(400, 'RequestBroker--ParseUri', `Could not find a property named '${name}' on type 'microsoft.graph.message'.`);

const DATE_PROPS = ['receivedDateTime', 'sentDateTime', 'createdDateTime', 'lastModifiedDateTime'];
const BOOL_PROPS = ['isRead', 'isDraft', 'hasAttachments'];
const STRING_PROPS = ['subject', 'importance', 'inferenceClassification', 'internetMessageId', 'conversationId', 'parentFolderId', 'from/emailAddress/address', 'sender/emailAddress/address', 'from/emailAddress/name', 'flag/flagStatus'];

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= s.length) throw bad('unterminated string literal.');
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
      out.push({ t: 'p', v: c });
      i++;
    } else {
      const m = /^[A-Za-z0-9_.:/+-]+/.exec(s.slice(i));
      if (!m) throw bad(`syntax error at position ${i}.`);
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

export function parseMessageFilter(s: string): MsgFilter {
  const toks = tokenize(s);
  let pos = 0;
  const vars: string[] = [];
  const peek = () => toks[pos];
  const next = () => toks[pos++] ?? (() => { throw bad(`unexpected end of '${s}'.`); })();
  const expect = (v: string) => {
    if (next().v !== v) throw bad(`expected '${v}'.`);
  };
  const literal = (): Literal => {
    const t = next();
    if (t.t === 'str') return t.v;
    const v = t.v.toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    if (v === 'null') return null;
    if (/^\d{4}-\d{2}-\d{2}(t[\d:.]+(z|[+-]\d{2}:\d{2})?)?$/i.test(t.v)) {
      const d = Date.parse(t.v);
      if (Number.isNaN(d)) throw bad(`bad date '${t.v}'.`);
      return { date: d };
    }
    if (/^-?\d+(\.\d+)?$/.test(t.v)) return Number(t.v);
    throw bad(`unexpected '${t.v}'.`);
  };
  const path = (name: string): string => {
    if (vars.some((v) => name.toLowerCase().startsWith(`${v.toLowerCase()}/`))) return name.toLowerCase().split('/').slice(1).join('/') === 'id' ? '$id' : '$value';
    const all = [...DATE_PROPS, ...BOOL_PROPS, ...STRING_PROPS];
    const p = all.find((x) => x.toLowerCase() === name.toLowerCase());
    if (!p) throw unknownProp(name);
    return p;
  };
  const primary = (): MsgFilter => {
    const t = next();
    if (t.v === '(') {
      const e = orExpr();
      expect(')');
      return e;
    }
    if (t.t !== 'id') throw bad(`unexpected '${t.v}'.`);
    const low = t.v.toLowerCase();
    if (low === 'not') return { op: 'not', expr: primary() };
    if (low === 'contains' || low === 'startswith' || low === 'endswith') {
      expect('(');
      const p = path(next().v);
      expect(',');
      const v = literal();
      expect(')');
      if (typeof v !== 'string') throw bad(`${low} expects a string.`);
      return { op: 'fn', fn: low, path: p, value: v };
    }
    const lambda = /^(singlevalueextendedproperties|categories)\/any$/i.exec(t.v);
    if (lambda) {
      expect('(');
      const vt = next().v;
      const variable = vt.replace(/:$/, '');
      if (!vt.endsWith(':')) expect(':');
      vars.push(variable);
      const pred = orExpr();
      vars.pop();
      expect(')');
      return { op: 'any', collection: lambda[1]!.toLowerCase(), variable, pred };
    }
    // A bare lambda variable (categories/any(c: c eq 'x')).
    const isVar = vars.some((v) => v.toLowerCase() === low);
    const p = isVar ? '$value' : path(t.v);
    const op = next().v.toLowerCase();
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op)) throw bad(`operator '${op}' is not supported.`);
    return { op: 'cmp', cmp: op as Cmp, path: p, value: literal() };
  };
  const andExpr = (): MsgFilter => {
    let left = primary();
    while (peek()?.t === 'id' && peek()!.v.toLowerCase() === 'and') {
      pos++;
      left = { op: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): MsgFilter => {
    let left = andExpr();
    while (peek()?.t === 'id' && peek()!.v.toLowerCase() === 'or') {
      pos++;
      left = { op: 'or', left, right: andExpr() };
    }
    return left;
  };
  const tree = orExpr();
  if (pos !== toks.length) throw bad(`unexpected '${toks[pos]!.v}'.`);
  return tree;
}

function compare(a: unknown, cmp: Cmp, b: Literal): boolean {
  let x: unknown = a;
  let y: unknown = b;
  if (b !== null && typeof b === 'object') y = b.date;
  if (typeof x === 'string' && typeof y === 'string') {
    x = x.toLowerCase();
    y = y.toLowerCase();
  }
  switch (cmp) {
    case 'eq':
      return x === y;
    case 'ne':
      return x !== y;
    case 'gt':
      return (x as number) > (y as number);
    case 'ge':
      return (x as number) >= (y as number);
    case 'lt':
      return (x as number) < (y as number);
    case 'le':
      return (x as number) <= (y as number);
  }
}

function value(msg: Message, path: string, folderId: (m: Message) => string): unknown {
  switch (path) {
    case 'receivedDateTime':
      return msg.receivedMs;
    case 'sentDateTime':
      return msg.sentMs;
    case 'createdDateTime':
      return msg.createdMs;
    case 'lastModifiedDateTime':
      return msg.lastModifiedMs;
    case 'hasAttachments':
      return msg.attachments.some((a) => !a.isInline);
    case 'from/emailAddress/address':
      return msg.from?.emailAddress.address ?? null;
    case 'from/emailAddress/name':
      return msg.from?.emailAddress.name ?? null;
    case 'sender/emailAddress/address':
      return msg.sender?.emailAddress.address ?? null;
    case 'flag/flagStatus':
      return msg.flag.flagStatus;
    case 'parentFolderId':
      return folderId(msg);
    default:
      return (msg as unknown as Record<string, unknown>)[path] ?? null;
  }
}

export function evalMessageFilter(f: MsgFilter, msg: Message, folderId: (m: Message) => string, item?: { id?: string; value: string }): boolean {
  switch (f.op) {
    case 'and':
      return evalMessageFilter(f.left, msg, folderId, item) && evalMessageFilter(f.right, msg, folderId, item);
    case 'or':
      return evalMessageFilter(f.left, msg, folderId, item) || evalMessageFilter(f.right, msg, folderId, item);
    case 'not':
      return !evalMessageFilter(f.expr, msg, folderId, item);
    case 'any':
      if (f.collection === 'categories') return msg.categories.some((c) => evalMessageFilter(f.pred, msg, folderId, { value: c }));
      return [...msg.extended.values()].some((e) => evalMessageFilter(f.pred, msg, folderId, { id: e.id, value: e.value }));
    case 'cmp':
      if (f.path === '$id') return item?.id !== undefined && typeof f.value === 'string' && compareIds(item.id, f.cmp, f.value);
      if (f.path === '$value') return item !== undefined && compare(item.value, f.cmp, f.value);
      return compare(value(msg, f.path, folderId), f.cmp, f.value);
    case 'fn': {
      const v = f.path === '$value' ? item?.value : value(msg, f.path, folderId);
      if (typeof v !== 'string') return false;
      const a = v.toLowerCase();
      const b = f.value.toLowerCase();
      return f.fn === 'contains' ? a.includes(b) : f.fn === 'startswith' ? a.startsWith(b) : a.endsWith(b);
    }
  }
}

function compareIds(a: string, cmp: Cmp, b: string): boolean {
  const eq = extendedPropertyKey(a) === extendedPropertyKey(b);
  return cmp === 'ne' ? !eq : eq;
}

/** The lower bound of a delta `$filter` (only `receivedDateTime ge|gt <date>` is allowed there). */
export function deltaFilterBound(s: string): { ms: number; inclusive: boolean } {
  const m = /^\s*receivedDateTime\s+(ge|gt)\s+(\S+)\s*$/i.exec(s);
  const d = m ? Date.parse(m[2]!) : NaN;
  if (!m || Number.isNaN(d)) throw new GraphHttpError(400, 'ErrorInvalidUrlQueryFilter', 'The query filter contains one or more invalid nodes.');
  return { ms: d, inclusive: m[1]!.toLowerCase() === 'ge' };
}
