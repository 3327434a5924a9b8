/**
 * The run filter language: MLflow's search syntax
 *
 *   metrics.f1 > 0.8 and params.model = 'rf' and tags.team != 'x' and status = 'finished'
 *
 * plus what MLflow lacks: `or`, `not`, parentheses, `in (...)`, `not in (...)`,
 * `like` / `ilike` (with `not`), and `is [not] null` for a missing key. Keywords are
 * case-insensitive; keys with unusual characters are quoted with backticks or double
 * quotes (metrics.`val loss`). Every error names its column and draws a caret.
 */
import { MloError } from '../errors.js';
import {
  RUN_STATUSES,
  type CompareOp,
  type FieldRef,
  type FilterExpr,
  type Literal,
  type RunAttribute,
  type SortKey,
} from '../store/index.js';

type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'lparen' | 'rparen' | 'comma' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  /** 0-based offset in the expression */
  pos: number;
  /** for ident: the field parts (prefix, key) after unquoting */
  value?: string | number;
}

const ATTRIBUTES: Record<string, RunAttribute> = {
  id: 'id',
  run_id: 'id',
  name: 'name',
  run_name: 'name',
  experiment: 'experiment',
  experiment_id: 'experiment',
  status: 'status',
  start: 'start',
  start_time: 'start',
  end: 'end',
  end_time: 'end',
  duration: 'duration',
  stage: 'stage',
  commit: 'commit',
  git_commit: 'commit',
  exit_code: 'exit_code',
};

const NUMERIC_ATTRS = new Set<RunAttribute>(['start', 'end', 'duration', 'exit_code']);

const PREFIXES: Record<string, 'metric' | 'param' | 'tag' | 'attr'> = {
  metrics: 'metric',
  metric: 'metric',
  params: 'param',
  param: 'param',
  tags: 'tag',
  tag: 'tag',
  attributes: 'attr',
  attribute: 'attr',
  attr: 'attr',
  run: 'attr',
};

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'ilike', 'is', 'null']);

export class FilterSyntaxError extends MloError {}

/**
 * Bounds on a filter's shape. Far beyond what a person writes, they keep a generated
 * or hostile filter from overflowing the parser's stack or SQLite's expression depth
 * (1,000): 5,000 nested parentheses or 1,100 `and`s are refused with exit 2.
 */
export const MAX_FILTER_DEPTH = 50;
export const MAX_FILTER_TERMS = 200;
export const MAX_FILTER_VALUES = 2000;

function fail(source: string, what: string, pos: number, label = 'filter'): never {
  const col = pos + 1;
  throw new FilterSyntaxError('USAGE', `${label}: ${what} at column ${col}`, {
    hint: `${source}\n${' '.repeat(pos)}^`,
    details: { column: col },
  });
}

/** Characters that end an unquoted key. */
const KEY_END = /[\s=!<>(),'"]/;

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(') tokens.push({ kind: 'lparen', text: c, pos: i++ });
    else if (c === ')') tokens.push({ kind: 'rparen', text: c, pos: i++ });
    else if (c === ',') tokens.push({ kind: 'comma', text: c, pos: i++ });
    else if ('=!<>'.includes(c)) {
      const two = src.slice(i, i + 2);
      const op = ['==', '!=', '<>', '<=', '>='].includes(two) ? two : c;
      if (op === '!') fail(src, "expected '!=' after '!'", i);
      i += op.length;
      tokens.push({ kind: 'op', text: op, pos: start });
    } else if (c === "'" || c === '"') {
      const { value, end } = readQuoted(src, i, c);
      tokens.push({ kind: 'string', text: src.slice(start, end), pos: start, value });
      i = end;
    } else if (/[0-9.+-]/.test(c) && /^[+-]?(\d|\.\d)/.test(src.slice(i, i + 3))) {
      const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i)) as RegExpExecArray;
      i += m[0].length;
      if (i < src.length && /[A-Za-z_]/.test(src[i]))
        fail(src, `malformed number '${src.slice(start, i + 1)}'`, start);
      tokens.push({ kind: 'number', text: m[0], pos: start, value: Number(m[0]) });
    } else if (/[A-Za-z_]/.test(c)) {
      // an identifier, possibly with a dotted key: metrics.val/loss, params.train.lr
      let text = '';
      while (i < src.length && /[A-Za-z0-9_]/.test(src[i])) text += src[i++];
      if (src[i] === '.' && PREFIXES[text.toLowerCase()] !== undefined) {
        i++;
        let key: string;
        if (src[i] === '`' || src[i] === '"') {
          const q = readQuoted(src, i, src[i]);
          key = q.value;
          i = q.end;
        } else {
          const keyStart = i;
          while (i < src.length && !KEY_END.test(src[i])) i++;
          key = src.slice(keyStart, i);
        }
        if (key === '') fail(src, `expected a key after '${text}.'`, i);
        tokens.push({
          kind: 'ident',
          text: src.slice(start, i),
          pos: start,
          value: `${text.toLowerCase()}\u0000${key}`,
        });
      } else {
        tokens.push({ kind: 'ident', text, pos: start, value: text });
      }
    } else {
      fail(src, `unexpected character '${c}'`, i);
    }
  }
  tokens.push({ kind: 'end', text: '', pos: src.length });
  return tokens;
}

function readQuoted(src: string, start: number, quote: string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\' && i + 1 < src.length) {
      const n = src[i + 1];
      // keep \% and \_ for like patterns; other escapes are the character itself
      value += n === '%' || n === '_' ? `\\${n}` : n;
      i += 2;
      continue;
    }
    if (c === quote) {
      if (src[i + 1] === quote) {
        value += quote; // SQL-style doubled quote
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i++;
  }
  return fail(src, `unterminated ${quote === '`' ? 'backtick' : 'string'}`, start);
}

class Parser {
  private i = 0;
  private depth = 0;
  private terms = 0;
  private values = 0;
  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
  ) {}

  get done(): boolean {
    return this.peek().kind === 'end';
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private isKeyword(t: Token, word: string): boolean {
    return t.kind === 'ident' && typeof t.value === 'string' && t.value.toLowerCase() === word;
  }

  private describe(t: Token): string {
    return t.kind === 'end' ? 'the end of the filter' : `'${t.text}'`;
  }

  parse(): FilterExpr {
    if (this.peek().kind === 'end') fail(this.src, 'empty filter', 0);
    const e = this.parseOr();
    const t = this.peek();
    if (t.kind !== 'end') {
      const why =
        t.kind === 'rparen'
          ? "unmatched ')'"
          : `expected 'and', 'or' or the end, found ${this.describe(t)}`;
      fail(this.src, why, t.pos);
    }
    return e;
  }

  private parseOr(): FilterExpr {
    const items = [this.parseAnd()];
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0] : { type: 'or', items };
  }

  private parseAnd(): FilterExpr {
    const items = [this.parseNot()];
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      items.push(this.parseNot());
    }
    return items.length === 1 ? items[0] : { type: 'and', items };
  }

  /** One level deeper (a parenthesis or a `not`), within MAX_FILTER_DEPTH. */
  private nest(t: Token): void {
    if (++this.depth > MAX_FILTER_DEPTH) {
      fail(this.src, `nested more than ${MAX_FILTER_DEPTH} levels deep`, t.pos);
    }
  }

  private parseNot(): FilterExpr {
    const t = this.peek();
    if (this.isKeyword(t, 'not')) {
      this.next();
      this.nest(t);
      const expr = this.parseNot();
      this.depth--;
      return { type: 'not', expr };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): FilterExpr {
    const t = this.peek();
    if (t.kind === 'lparen') {
      this.next();
      this.nest(t);
      const e = this.parseOr();
      this.depth--;
      const close = this.next();
      if (close.kind !== 'rparen')
        fail(
          this.src,
          `expected ')' to close the '(' at column ${t.pos + 1}, found ${this.describe(close)}`,
          close.pos,
        );
      return e;
    }
    return this.parseComparison();
  }

  parseField(): { field: FieldRef; token: Token } {
    const t = this.next();
    if (
      t.kind !== 'ident' ||
      (typeof t.value === 'string' &&
        KEYWORDS.has(t.value.toLowerCase()) &&
        !t.value.includes('\u0000'))
    ) {
      fail(
        this.src,
        `expected a field such as metrics.KEY, params.KEY, tags.KEY or status, found ${this.describe(t)}`,
        t.pos,
      );
    }
    const raw = t.value as string;
    const sep = raw.indexOf('\u0000');
    if (sep < 0) {
      const attr = ATTRIBUTES[raw.toLowerCase()];
      if (!attr) {
        fail(
          this.src,
          `unknown field '${raw}' (use metrics.${raw}, params.${raw} or tags.${raw}, or one of ${Object.keys(
            ATTRIBUTES,
          )
            .filter((k) => !k.includes('_'))
            .join(', ')})`,
          t.pos,
        );
      }
      return { field: { kind: 'attr', name: attr }, token: t };
    }
    const prefix = PREFIXES[raw.slice(0, sep)];
    const key = raw.slice(sep + 1);
    if (prefix === 'attr') {
      const attr = ATTRIBUTES[key.toLowerCase()];
      if (!attr) fail(this.src, `unknown attribute '${key}'`, t.pos);
      return { field: { kind: 'attr', name: attr }, token: t };
    }
    return { field: { kind: prefix, key }, token: t };
  }

  private parseValue(field: FieldRef, fieldToken: Token): { value: Literal; token: Token } {
    const t = this.next();
    if (t.kind !== 'string' && t.kind !== 'number') {
      const hint = t.kind === 'ident' ? ` (quote text values: '${t.text}')` : '';
      fail(
        this.src,
        `expected a value (a number or a 'quoted string') after ${this.describe(this.tokens[this.i - 2])}, found ${this.describe(t)}${hint}`,
        t.pos,
      );
    }
    return { value: this.checkValue(field, fieldToken, t), token: t };
  }

  /** Type rules, with the position of the offending value. */
  private checkValue(field: FieldRef, fieldToken: Token, t: Token): Literal {
    const v = t.value as Literal;
    if (field.kind === 'metric' && typeof v !== 'number') {
      fail(
        this.src,
        `${fieldToken.text} is a number: compare it with a number, not ${t.text}`,
        t.pos,
      );
    }
    if (field.kind === 'attr') {
      if (
        field.name === 'status' &&
        (typeof v !== 'string' || !RUN_STATUSES.includes(v as never))
      ) {
        fail(this.src, `status is one of ${RUN_STATUSES.map((s) => `'${s}'`).join(', ')}`, t.pos);
      }
      if (NUMERIC_ATTRS.has(field.name)) {
        if (typeof v === 'number') return v;
        if (field.name === 'start' || field.name === 'end') {
          const ms = Date.parse(v);
          if (Number.isNaN(ms))
            fail(
              this.src,
              `${fieldToken.text} takes a date ('2024-05-01' or '2024-05-01T12:00') or milliseconds since 1970`,
              t.pos,
            );
          return ms;
        }
        fail(
          this.src,
          `${fieldToken.text} is a number${field.name === 'duration' ? ' (seconds)' : ''}`,
          t.pos,
        );
      }
    }
    return v;
  }

  private parseComparison(): FilterExpr {
    if (++this.terms > MAX_FILTER_TERMS) {
      fail(this.src, `more than ${MAX_FILTER_TERMS} comparisons`, this.peek().pos);
    }
    const { field, token: ft } = this.parseField();
    let t = this.peek();
    let negated = false;
    if (this.isKeyword(t, 'is')) {
      this.next();
      if (this.isKeyword(this.peek(), 'not')) {
        this.next();
        negated = true;
      }
      const n = this.next();
      if (!this.isKeyword(n, 'null'))
        fail(
          this.src,
          `expected 'null' after 'is${negated ? ' not' : ''}', found ${this.describe(n)}`,
          n.pos,
        );
      return { type: 'null', field, negated };
    }
    if (this.isKeyword(t, 'not')) {
      this.next();
      negated = true;
      t = this.peek();
      if (!this.isKeyword(t, 'in') && !this.isKeyword(t, 'like') && !this.isKeyword(t, 'ilike')) {
        fail(
          this.src,
          `expected 'in', 'like' or 'ilike' after 'not', found ${this.describe(t)}`,
          t.pos,
        );
      }
    }
    if (this.isKeyword(t, 'in')) {
      this.next();
      const open = this.next();
      if (open.kind !== 'lparen')
        fail(this.src, `expected '(' after 'in', found ${this.describe(open)}`, open.pos);
      const values: Literal[] = [];
      for (;;) {
        const v = this.peek();
        if (v.kind === 'rparen' && values.length === 0)
          fail(this.src, "'in' needs at least one value", v.pos);
        this.next();
        if (v.kind !== 'string' && v.kind !== 'number')
          fail(this.src, `expected a value in the list, found ${this.describe(v)}`, v.pos);
        if (++this.values > MAX_FILTER_VALUES) {
          fail(this.src, `more than ${MAX_FILTER_VALUES} values in 'in' lists`, v.pos);
        }
        values.push(this.checkValue(field, ft, v));
        const sep = this.next();
        if (sep.kind === 'rparen') break;
        if (sep.kind !== 'comma')
          fail(this.src, `expected ',' or ')' in the list, found ${this.describe(sep)}`, sep.pos);
      }
      return { type: 'in', field, values, negated };
    }
    if (this.isKeyword(t, 'like') || this.isKeyword(t, 'ilike')) {
      this.next();
      const ignoreCase = this.isKeyword(t, 'ilike');
      if (field.kind === 'metric' || (field.kind === 'attr' && NUMERIC_ATTRS.has(field.name))) {
        fail(this.src, `'${t.text}' compares text; ${ft.text} is a number`, t.pos);
      }
      const p = this.next();
      if (p.kind !== 'string')
        fail(
          this.src,
          `expected a 'quoted pattern' after '${t.text}', found ${this.describe(p)}`,
          p.pos,
        );
      return { type: 'like', field, pattern: p.value as string, negated, ignoreCase };
    }
    const op = this.next();
    if (op.kind !== 'op') {
      fail(
        this.src,
        `expected an operator (=, !=, <, <=, >, >=, in, like, is) after ${ft.text}, found ${this.describe(op)}`,
        op.pos,
      );
    }
    const norm: CompareOp =
      op.text === '==' ? '=' : op.text === '<>' ? '!=' : (op.text as CompareOp);
    const { value } = this.parseValue(field, ft);
    return { type: 'cmp', field, op: norm, value };
  }
}

export function parseFilter(source: string): FilterExpr {
  return new Parser(source, tokenize(source)).parse();
}

/** A single field reference (for --sort and --columns). */
export function parseFieldRef(source: string, label: string): FieldRef {
  try {
    const p = new Parser(source, tokenize(source));
    const { field } = p.parseField();
    if (!p.done) throw new FilterSyntaxError('USAGE', 'x');
    return field;
  } catch (err) {
    if (!(err instanceof FilterSyntaxError)) throw err;
    throw new MloError(
      'USAGE',
      `${label} ${source}: expected one field such as metrics.f1, params.lr, tags.team or start`,
    );
  }
}

/** `KEY[:asc|desc]` */
export function parseSortKey(source: string): SortKey {
  const m = /^(.*?)(?::(asc|desc))?$/i.exec(source.trim()) as RegExpExecArray;
  const field = parseFieldRef(m[1], '--sort');
  return { field, desc: (m[2] ?? 'asc').toLowerCase() === 'desc' };
}

/** The name a field is shown under: metrics.f1, params.lr, status. */
export function fieldLabel(f: FieldRef): string {
  if (f.kind === 'attr') return f.name;
  const prefix = f.kind === 'metric' ? 'metrics' : f.kind === 'param' ? 'params' : 'tags';
  return /^[^\s=!<>(),'"`]+$/.test(f.key) ? `${prefix}.${f.key}` : `${prefix}.\`${f.key}\``;
}
