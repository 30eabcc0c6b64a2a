import { GraphHttpError } from '../graph/errors.ts';
import { FilterParser, type FilterTree, type Token } from '../graph/filter-syntax.ts';
import type { Message } from './model.ts';
import { extendedPropertyKey } from './store.ts';

/**
 * OData `$filter` over messages: comparisons on dates, booleans and strings, `contains`/
 * `startswith`, `and`/`or`/`not`, and the lambda forms clients use for the "processed" marker
 * (`singleValueExtendedProperties/any(ep: ep/id eq '…' and ep/value eq '…')`) and categories.
 */
export type MsgFilter = FilterTree<MsgTerm>;

/** A term of mail's `$filter`: a comparison, a string function, or a lambda over a collection. */
export type MsgTerm =
  | { op: 'cmp'; cmp: Cmp; path: string; value: Literal }
  | { op: 'fn'; fn: 'contains' | 'startswith' | 'endswith'; path: string; value: string }
  | { op: 'any'; collection: string; variable: string; pred: MsgFilter };

type Cmp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
type Literal = string | number | boolean | null | { date: number };

const unknownProp = (name: string) =>
  new GraphHttpError(
    400,
    'RequestBroker--ParseUri',
    `Could not find a property named '${name}' on type 'microsoft.graph.message'.`,
  );

const DATE_PROPS = ['receivedDateTime', 'sentDateTime', 'createdDateTime', 'lastModifiedDateTime'];
const BOOL_PROPS = ['isRead', 'isDraft', 'hasAttachments'];
const STRING_PROPS = [
  'subject',
  'importance',
  'inferenceClassification',
  'internetMessageId',
  'conversationId',
  'parentFolderId',
  'from/emailAddress/address',
  'sender/emailAddress/address',
  'from/emailAddress/name',
  'flag/flagStatus',
];

export function parseMessageFilter(s: string): MsgFilter {
  /** The lambda variables in scope (`ep` in `singleValueExtendedProperties/any(ep: …)`). */
  const vars: string[] = [];
  const literal = (p: FilterParser<MsgTerm>): Literal => {
    const t = p.next();
    if (t.kind === 'string') return t.text;
    const v = t.text.toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
    if (v === 'null') return null;
    if (/^\d{4}-\d{2}-\d{2}(t[\d:.]+(z|[+-]\d{2}:\d{2})?)?$/i.test(t.text)) {
      const d = Date.parse(t.text);
      if (Number.isNaN(d)) throw p.invalid(`bad date '${t.text}'.`);
      return { date: d };
    }
    if (/^-?\d+(\.\d+)?$/.test(t.text)) return Number(t.text);
    throw p.invalid(`unexpected '${t.text}'.`);
  };
  const path = (name: string): string => {
    if (vars.some((v) => name.toLowerCase().startsWith(`${v.toLowerCase()}/`)))
      return name.toLowerCase().split('/').slice(1).join('/') === 'id' ? '$id' : '$value';
    const all = [...DATE_PROPS, ...BOOL_PROPS, ...STRING_PROPS];
    const p = all.find((x) => x.toLowerCase() === name.toLowerCase());
    if (!p) throw unknownProp(name);
    return p;
  };
  const term = (t: Token, p: FilterParser<MsgTerm>): MsgTerm => {
    const low = t.text.toLowerCase();
    if (low === 'contains' || low === 'startswith' || low === 'endswith') {
      p.expect('(');
      const at = path(p.next().text);
      p.expect(',');
      const v = literal(p);
      p.expect(')');
      if (typeof v !== 'string') throw p.invalid(`${low} expects a string.`);
      return { op: 'fn', fn: low, path: at, value: v };
    }
    const lambda = /^(singlevalueextendedproperties|categories)\/any$/i.exec(t.text);
    if (lambda) {
      p.expect('(');
      const vt = p.next().text;
      const variable = vt.replace(/:$/, '');
      if (!vt.endsWith(':')) p.expect(':');
      vars.push(variable);
      const pred = p.expression();
      vars.pop();
      p.expect(')');
      return { op: 'any', collection: lambda[1]!.toLowerCase(), variable, pred };
    }
    // A bare lambda variable (categories/any(c: c eq 'x')).
    const isVar = vars.some((v) => v.toLowerCase() === low);
    const at = isVar ? '$value' : path(t.text);
    const op = p.next().text.toLowerCase();
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op))
      throw p.invalid(`operator '${op}' is not supported.`);
    return { op: 'cmp', cmp: op as Cmp, path: at, value: literal(p) };
  };
  // Words hold `:` (a lambda's `ep:`) and `+` (a date's offset).
  return new FilterParser(s, { word: /^[A-Za-z0-9_.:/+-]+/, quotesFilter: false, term }).parse();
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

export function evalMessageFilter(
  f: MsgFilter,
  msg: Message,
  folderId: (m: Message) => string,
  item?: { id?: string; value: string },
): boolean {
  switch (f.op) {
    case 'and':
      return (
        evalMessageFilter(f.left, msg, folderId, item) && evalMessageFilter(f.right, msg, folderId, item)
      );
    case 'or':
      return (
        evalMessageFilter(f.left, msg, folderId, item) || evalMessageFilter(f.right, msg, folderId, item)
      );
    case 'not':
      return !evalMessageFilter(f.expr, msg, folderId, item);
    case 'any':
      if (f.collection === 'categories')
        return msg.categories.some((c) => evalMessageFilter(f.pred, msg, folderId, { value: c }));
      return [...msg.extended.values()].some((e) =>
        evalMessageFilter(f.pred, msg, folderId, { id: e.id, value: e.value }),
      );
    case 'cmp':
      if (f.path === '$id')
        return item?.id !== undefined && typeof f.value === 'string' && compareIds(item.id, f.cmp, f.value);
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
  if (!m || Number.isNaN(d))
    throw new GraphHttpError(
      400,
      'ErrorInvalidUrlQueryFilter',
      'The query filter contains one or more invalid nodes.',
    );
  return { ms: d, inclusive: m[1]!.toLowerCase() === 'ge' };
}

/** The properties a filter names, left to right as written (a lambda by its collection). */
export function filterProperties(f: MsgFilter): string[] {
  if ('left' in f) return [...filterProperties(f.left), ...filterProperties(f.right)];
  if (f.op === 'not') return filterProperties(f.expr);
  if (f.op === 'any') return [f.collection];
  return [f.path];
}

/**
 * `$filter` with `$orderby` on messages (reference §2.3; Graph's "using filter and orderby in the same
 * query"): every `$orderby` property must also be in the `$filter`, first and in the same order, or
 * Exchange refuses the query as too expensive — `400 InefficientFilter`.
 */
export function checkFilterWithOrderby(f: MsgFilter, orderby: string[]): void {
  const named = filterProperties(f).map((p) => p.toLowerCase());
  const first = [...new Set(named)].slice(0, orderby.length);
  if (orderby.some((p, i) => first[i] !== p.toLowerCase()))
    throw new GraphHttpError(
      400,
      'InefficientFilter',
      'The restriction or sort order is too complex for this operation.',
    );
}
