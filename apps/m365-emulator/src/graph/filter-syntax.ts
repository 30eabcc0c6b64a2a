import { GraphHttpError } from './errors.ts';

/**
 * The OData `$filter` syntax every resource shares: the tokens, and `or` below `and` below `not` and
 * parentheses. What a term means (a property compared with a literal, a function call, a lambda),
 * which properties exist and the values they take are each resource's own: the directory's in
 * `odata.ts` (`parseFilter`), mail's in `mail/filter.ts` (`parseMessageFilter`). Rules on a whole
 * query (e.g. `$filter` with `$orderby`) belong to the resource too, walking the tree parsed here.
 */

/** A bare word (property path, operator, keyword, number, date), a string literal or `(`, `)`, `,`. */
export interface Token {
  readonly kind: 'word' | 'string' | 'punct';
  readonly text: string;
}

/** A parsed filter: the boolean structure shared by every resource, around a resource's own terms. */
export type FilterTree<Term> =
  | { op: 'and' | 'or'; left: FilterTree<Term>; right: FilterTree<Term> }
  | { op: 'not'; expr: FilterTree<Term> }
  | Term;

export interface FilterGrammar<Term> {
  /** What a bare word may hold, anchored at its start (e.g. `/^[A-Za-z0-9_.]+/`). */
  readonly word: RegExp;
  /** Whether errors quote the whole filter after the place they name (the directory's do, mail's do not). */
  readonly quotesFilter: boolean;
  /** Any term but a parenthesised expression or `not`; `first` (a word) is already read. */
  term(first: Token, parser: FilterParser<Term>): Term;
}

/** A 400 for a malformed filter, as Graph words it. */
const invalid = (detail: string) => new GraphHttpError(400, 'BadRequest', `Invalid filter clause: ${detail}`);

function tokenize(s: string, grammar: FilterGrammar<unknown>): Token[] {
  const where = grammar.quotesFilter ? ` in '${s}'` : '';
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      // A string literal; '' inside it is one quote.
      let text = '';
      i++;
      for (;;) {
        if (i >= s.length) throw invalid('unterminated string literal.');
        if (s[i] === "'") {
          if (s[i + 1] === "'") {
            text += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += s[i++];
      }
      out.push({ kind: 'string', text });
    } else if ('(),'.includes(c)) {
      out.push({ kind: 'punct', text: c });
      i++;
    } else {
      const m = grammar.word.exec(s.slice(i));
      if (!m) throw invalid(`syntax error at position ${i}${where}.`);
      out.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

/** A recursive-descent parser over one filter's tokens; a grammar's `term` reads its own tokens through it. */
export class FilterParser<Term> {
  readonly source: string;
  private readonly grammar: FilterGrammar<Term>;
  private readonly tokens: Token[];
  private pos = 0;

  constructor(source: string, grammar: FilterGrammar<Term>) {
    this.source = source;
    this.grammar = grammar;
    this.tokens = tokenize(source, grammar);
  }

  /** The whole filter: one expression and nothing after it. */
  parse(): FilterTree<Term> {
    const tree = this.expression();
    const rest = this.peek();
    if (rest) throw invalid(`unexpected '${rest.text}'.`);
    return tree;
  }

  /** `a or b`, where `and` binds tighter (a lambda's body is one too). */
  expression(): FilterTree<Term> {
    let left = this.conjunction();
    while (this.acceptWord('or')) left = { op: 'or', left, right: this.conjunction() };
    return left;
  }

  peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  next(): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw invalid(`unexpected end of '${this.source}'.`);
    return t;
  }

  /** Reads `text` (punctuation or a word) or fails saying it was expected. */
  expect(text: string): void {
    if (this.next().text !== text)
      throw invalid(`expected '${text}'${this.grammar.quotesFilter ? ` in '${this.source}'` : ''}.`);
  }

  /** Reads the next token if it is `text`. */
  accept(text: string): boolean {
    if (this.peek()?.text !== text) return false;
    this.pos++;
    return true;
  }

  /** A 400 BadRequest about this filter (`detail` ends with a full stop). */
  invalid(detail: string): GraphHttpError {
    return invalid(detail);
  }

  private acceptWord(keyword: 'and' | 'or'): boolean {
    const t = this.peek();
    if (t?.kind !== 'word' || t.text.toLowerCase() !== keyword) return false;
    this.pos++;
    return true;
  }

  private conjunction(): FilterTree<Term> {
    let left = this.primary();
    while (this.acceptWord('and')) left = { op: 'and', left, right: this.primary() };
    return left;
  }

  private primary(): FilterTree<Term> {
    const t = this.next();
    if (t.text === '(') {
      const e = this.expression();
      this.expect(')');
      return e;
    }
    if (t.kind !== 'word') throw invalid(`unexpected '${t.text}'.`);
    if (t.text.toLowerCase() === 'not') return { op: 'not', expr: this.primary() };
    return this.grammar.term(t, this);
  }
}
