/**
 * Parse promotion gates from mlo.yaml into typed ASTs. Grammar:
 *
 *   gate      := subject OP threshold | 'validate' ':' SUITE   (or the map {validate: SUITE})
 *   subject   := NAME | ('gap' | 'ratio') '(' NAME ',' NAME ')' | 'drift_share'
 *   threshold := NUMBER | 'current' [('+' | '-') UNSIGNED]     (current only for metrics)
 *   NUMBER    := ['+' | '-'] UNSIGNED;  UNSIGNED := 0.8 | .8 | 1e-3 | 80%  (80% = 0.8)
 *   NAME      := [A-Za-z_][A-Za-z0-9_]* | "quoted" | 'quoted'
 *   OP        := >= | > | <= | < | == | !=
 */
import { MloError, type MloErrorCode } from '../../errors.js';
import type {
  Comparator,
  CurrentRef,
  Gate,
  GateInput,
  Name,
  NumberLiteral,
  Span,
  Threshold,
} from './ast.js';
import { describeToken, suggestOperator, tokenize, type Token } from './lexer.js';

export interface ParseGateOptions {
  /**
   * Prefix for error messages naming where the gate came from, e.g.
   * `mlo.yaml: promotion.champion.gates[2]`.
   */
  where?: string;
  /** INVALID (default) for gates read from a file, USAGE for gates given as flags */
  code?: Extract<MloErrorCode, 'USAGE' | 'INVALID'>;
}

/** What a syntax error carries in MloError.details, for callers mapping it to file:line:col. */
export interface GateErrorDetails {
  gate: string;
  /** 0-based offset into `gate` */
  offset: number;
  /** 1-based column in `gate` */
  column: number;
  expected: string;
  found: string;
}

const EXAMPLE = "an expression like 'accuracy >= 0.8' or {validate: SUITE}";
const SUBJECT = "a metric name, 'gap(metric, column)', 'ratio(metric, column)' or 'drift_share'";
const THRESHOLD = "a number (0.8, 80%, 1e-3) or 'current'";

export function parseGate(input: GateInput, options: ParseGateOptions = {}): Gate {
  if (typeof input === 'string') return parseExpression(input, options);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new MloError(
      options.code ?? 'INVALID',
      `${prefix(options)}a gate must be ${EXAMPLE}, got ${describeValue(input)}`,
    );
  }
  return parseMap(input, options);
}

/** Parse a list of gates, reporting every malformed one (the first in the message, the rest in the hint). */
export function parseGates(inputs: readonly GateInput[], options: ParseGateOptions = {}): Gate[] {
  const gates: Gate[] = [];
  const errors: MloError[] = [];
  inputs.forEach((input, i) => {
    try {
      gates.push(parseGate(input, { ...options, where: `${options.where ?? 'gates'}[${i}]` }));
    } catch (err) {
      if (!(err instanceof MloError)) throw err;
      errors.push(err);
    }
  });
  const [first, ...rest] = errors;
  if (!first) return gates;
  if (rest.length === 0) throw first;
  throw new MloError(first.code, first.message, {
    hint: [first.hint, ...rest.map((e) => e.message)].filter(Boolean).join('\n'),
    details: {
      ...first.details,
      problems: errors.map((e) => ({ message: e.message, ...e.details })),
    },
  });
}

function prefix(options: ParseGateOptions): string {
  return options.where ? `${options.where}: ` : '';
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a map' : `${typeof v} ${JSON.stringify(v)}`;
}

function parseMap(input: Readonly<Record<string, unknown>>, options: ParseGateOptions): Gate {
  const keys = Object.keys(input);
  const text = keys.map((k) => `${k}: ${JSON.stringify(input[k])}`).join(', ');
  const fail = (what: string): never => {
    throw new MloError(
      options.code ?? 'INVALID',
      `${prefix(options)}invalid gate {${text}}: ${what}`,
      {
        hint: `write ${EXAMPLE}`,
      },
    );
  };
  if (keys.length !== 1) fail(`a gate map has exactly one key, found ${keys.length}`);
  const key = keys[0];
  if (key !== 'validate') fail(`unknown gate '${key}'; the only map gate is {validate: SUITE}`);
  const suite = input[key];
  if (typeof suite !== 'string' || suite.trim() === '') {
    fail(`validate needs a suite name or path, got ${describeValue(suite)}`);
  }
  const name = (suite as string).trim();
  return { kind: 'validate', text: `validate: ${name}`, suite: name };
}

class Parser {
  private at = 0;
  private readonly tokens: Token[];

  constructor(
    private readonly text: string,
    private readonly options: ParseGateOptions,
  ) {
    this.tokens = tokenize(text);
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.at + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (this.at < this.tokens.length - 1) this.at++;
    return t;
  }

  fail(token: Token | Span, expected: string, extra?: string): never {
    const span = 'kind' in token ? token.span : token;
    const found =
      'kind' in token ? describeToken(token) : `'${this.text.slice(span.start, span.end)}'`;
    const column = span.start + 1;
    const width = Math.max(1, span.end - span.start);
    const caret = `  ${this.text}\n  ${' '.repeat(span.start)}${'^'.repeat(width)}`;
    const details: GateErrorDetails = {
      gate: this.text,
      offset: span.start,
      column,
      expected,
      found,
    };
    throw new MloError(
      this.options.code ?? 'INVALID',
      `${prefix(this.options)}invalid gate "${this.text}": at column ${column}, expected ${expected}, found ${found}${extra ? ` (${extra})` : ''}`,
      { hint: caret, details: { ...details } },
    );
  }

  parse(): Gate {
    const first = this.peek();
    if (first.kind === 'end') this.fail(first, EXAMPLE, 'the gate is empty');
    if (first.kind === 'ident' && first.value === 'validate' && this.peek(1).kind === 'unknown') {
      return this.parseValidateText();
    }
    const subject = this.parseSubject();
    const { op, opSpan } = this.parseOperator();
    if (subject.kind === 'metric') {
      const threshold = this.parseThreshold(true);
      this.expectEnd(threshold.kind === 'current' && !threshold.offset);
      return { kind: 'metric', text: this.text, metric: subject.metric, op, opSpan, threshold };
    }
    const threshold = this.parseThreshold(false) as NumberLiteral;
    this.expectEnd(false);
    if (subject.kind === 'gap' || subject.kind === 'ratio') {
      return {
        kind: subject.kind,
        text: this.text,
        metric: subject.metric,
        column: subject.column,
        op,
        opSpan,
        threshold,
      };
    }
    return { kind: 'drift', text: this.text, op, opSpan, threshold };
  }

  /** `validate: holdout` written as a string rather than a map */
  private parseValidateText(): Gate {
    this.next();
    const colon = this.next();
    if (colon.kind !== 'unknown' || colon.raw !== ':') this.fail(colon, "':' after validate");
    const rest = this.text.slice(colon.span.end).trim();
    if (rest === '') this.fail(this.peek(), 'a suite name or path after validate:');
    return { kind: 'validate', text: this.text, suite: rest };
  }

  private parseName(expected: string): Name {
    const t = this.next();
    if (t.kind === 'ident') return { name: t.value, span: t.span };
    if (t.kind === 'string') {
      if (!t.closed) this.fail(t, 'a closing quote');
      if (t.value === '') this.fail(t, expected, 'empty name');
      return { name: t.value, span: t.span };
    }
    return this.fail(t, expected);
  }

  private parseSubject():
    | { kind: 'metric'; metric: Name }
    | { kind: 'gap' | 'ratio'; metric: Name; column: Name }
    | { kind: 'drift' } {
    const t = this.peek();
    if (t.kind === 'ident' && t.value === 'current') {
      this.fail(t, SUBJECT, "'current' belongs after the operator");
    }
    if (
      t.kind === 'ident' &&
      (t.value === 'gap' || t.value === 'ratio') &&
      this.peek(1).kind === 'punct'
    ) {
      const fn = t.value;
      this.next();
      this.expectPunct('(', `'(' after ${fn}`);
      const metric = this.parseName(`the metric name in ${fn}(metric, column)`);
      this.expectPunct(',', `',' between the metric and the column in ${fn}(metric, column)`);
      const column = this.parseName(`the column name in ${fn}(metric, column)`);
      this.expectPunct(')', `')' closing ${fn}(metric, column)`);
      return { kind: fn, metric, column };
    }
    if (t.kind === 'ident' && t.value === 'drift_share') {
      this.next();
      return { kind: 'drift' };
    }
    if (t.kind === 'ident' || t.kind === 'string')
      return { kind: 'metric', metric: this.parseName(SUBJECT) };
    return this.fail(t, SUBJECT);
  }

  private expectPunct(value: string, expected: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.value !== value) this.fail(t, expected);
  }

  private parseOperator(): { op: Comparator; opSpan: Span } {
    const t = this.next();
    if (t.kind === 'op') return { op: t.value, opSpan: t.span };
    const suggestion = t.kind === 'unknown' ? suggestOperator(t.raw) : undefined;
    return this.fail(
      t,
      'an operator (>=, >, <=, <, ==, !=)',
      suggestion ? `did you mean '${suggestion}'?` : undefined,
    );
  }

  private parseThreshold(allowCurrent: boolean): Threshold {
    const t = this.peek();
    if (t.kind === 'ident' && t.value === 'current') {
      if (!allowCurrent) {
        this.fail(
          t,
          'a number (0.8, 80%, 1e-3)',
          "'current' compares metrics only; gap, ratio and drift gates take a number",
        );
      }
      this.next();
      return this.parseCurrentOffset(t.span);
    }
    return this.parseNumber(true, THRESHOLD);
  }

  private parseCurrentOffset(currentSpan: Span): CurrentRef {
    const t = this.peek();
    if (t.kind !== 'punct' || (t.value !== '+' && t.value !== '-')) {
      return { kind: 'current', span: currentSpan };
    }
    this.next();
    const amount = this.parseNumber(false, "a number after 'current " + t.value + "' (0.01 or 1%)");
    return {
      kind: 'current',
      offset: {
        sign: t.value === '+' ? 1 : -1,
        amount: amount.value,
        relative: amount.percent,
        span: { start: t.span.start, end: amount.span.end },
      },
      span: { start: currentSpan.start, end: amount.span.end },
    };
  }

  private parseNumber(signed: boolean, expected: string): NumberLiteral {
    let sign = 1;
    const first = this.peek();
    if (signed && first.kind === 'punct' && (first.value === '-' || first.value === '+')) {
      this.next();
      sign = first.value === '-' ? -1 : 1;
    }
    const t = this.next();
    if (t.kind === 'bad-number') this.fail(t, expected, t.problem);
    if (t.kind === 'ident' && t.value !== 'current' && isNearCurrent(t.value)) {
      this.fail(t, expected, "did you mean 'current'?");
    }
    if (t.kind !== 'number') return this.fail(t, expected);
    let end = t.span.end;
    let value = sign * t.value;
    const pct = this.peek();
    const percent = pct.kind === 'punct' && pct.value === '%';
    if (percent) {
      this.next();
      end = pct.span.end;
      value /= 100;
    }
    return { kind: 'number', value, percent, span: { start: first.span.start, end } };
  }

  private expectEnd(afterBareCurrent: boolean): void {
    const t = this.peek();
    if (t.kind === 'end') return;
    this.fail(t, afterBareCurrent ? "'+', '-' or the end of the gate" : 'the end of the gate');
  }
}

function parseExpression(text: string, options: ParseGateOptions): Gate {
  return new Parser(text, options).parse();
}

/** `curent`, `currnet`, `Current`: one insertion, deletion, substitution or swap from the keyword */
function isNearCurrent(word: string): boolean {
  const a = word.toLowerCase();
  const b = 'current';
  if (a === b) return true;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const swapped = a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  return (
    a.slice(i + 1) === b.slice(i) || // one extra letter in the word
    a.slice(i) === b.slice(i + 1) || // one letter missing
    a.slice(i + 1) === b.slice(i + 1) || // one letter changed
    swapped
  );
}
