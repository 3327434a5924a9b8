/**
 * Tokens of a gate expression. The lexer never throws: characters it does not
 * know become `unknown` tokens, so the parser can say what it expected there.
 */
import type { Comparator, Span } from './ast.js';

export type Token =
  | { kind: 'ident'; value: string; span: Span }
  | { kind: 'string'; value: string; span: Span; closed: boolean }
  | { kind: 'number'; value: number; raw: string; span: Span }
  | { kind: 'bad-number'; raw: string; span: Span; problem: string }
  | { kind: 'op'; value: Comparator; span: Span }
  | { kind: 'punct'; value: '(' | ')' | ',' | '+' | '-' | '%'; span: Span }
  | { kind: 'unknown'; raw: string; span: Span }
  | { kind: 'end'; span: Span };

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
const SPACE = /\s/;
// Longest first, so `>=` wins over `>`.
const OPERATORS: readonly Comparator[] = ['>=', '<=', '==', '!=', '>', '<'];
/** operators people type from other languages, and what they meant */
const MISTYPED: Readonly<Record<string, string>> = {
  '=>': '>=',
  '=<': '<=',
  '=': '==',
  '<>': '!=',
};

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (SPACE.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (IDENT_START.test(ch)) {
      while (i < text.length && IDENT_PART.test(text[i])) i++;
      tokens.push({ kind: 'ident', value: text.slice(start, i), span: { start, end: i } });
      continue;
    }
    if (DIGIT.test(ch) || (ch === '.' && DIGIT.test(text[i + 1] ?? ''))) {
      i = scanNumber(text, i);
      const raw = text.slice(start, i);
      const value = Number(raw);
      const span = { start, end: i };
      if (!/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) {
        tokens.push({ kind: 'bad-number', raw, span, problem: 'malformed number' });
      } else if (!Number.isFinite(value)) {
        tokens.push({ kind: 'bad-number', raw, span, problem: 'number out of range' });
      } else {
        tokens.push({ kind: 'number', value, raw, span });
      }
      continue;
    }
    if (ch === '"' || ch === "'") {
      i++;
      while (i < text.length && text[i] !== ch) i++;
      const closed = i < text.length;
      const value = text.slice(start + 1, i);
      if (closed) i++;
      tokens.push({ kind: 'string', value, span: { start, end: i }, closed });
      continue;
    }
    // Two-character mistypes first: `=>` must not lex as `=` then `>`.
    const mistyped = ['=>', '=<', '<>'].find((m) => text.startsWith(m, i));
    const op = mistyped ? undefined : OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      i += op.length;
      tokens.push({ kind: 'op', value: op, span: { start, end: i } });
      continue;
    }
    if (mistyped || ch === '=') {
      const raw = mistyped ?? '=';
      i += raw.length;
      tokens.push({ kind: 'unknown', raw, span: { start, end: i } });
      continue;
    }
    if ('(),+-%'.includes(ch)) {
      i++;
      tokens.push({
        kind: 'punct',
        value: ch as '(' | ')' | ',' | '+' | '-' | '%',
        span: { start, end: i },
      });
      continue;
    }
    // anything else: one run of non-space characters, reported as found
    while (i < text.length && !SPACE.test(text[i]) && !/[A-Za-z0-9_(),]/.test(text[i])) i++;
    if (i === start) i++;
    tokens.push({ kind: 'unknown', raw: text.slice(start, i), span: { start, end: i } });
  }
  tokens.push({ kind: 'end', span: { start: text.length, end: text.length } });
  return tokens;
}

/** digits, fraction and exponent, greedily (validation happens after) */
function scanNumber(text: string, i: number): number {
  while (i < text.length && /[0-9.]/.test(text[i])) i++;
  if (i < text.length && /[eE]/.test(text[i])) {
    i++;
    if (/[+-]/.test(text[i] ?? '')) i++;
    while (i < text.length && DIGIT.test(text[i])) i++;
  }
  // `1e3x` or `0.8abc`: keep trailing word characters in the malformed number
  while (i < text.length && IDENT_PART.test(text[i])) i++;
  return i;
}

export function suggestOperator(raw: string): string | undefined {
  return MISTYPED[raw];
}

export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'the end of the gate';
    case 'ident':
      return `'${t.value}'`;
    case 'string':
      return `"${t.value}"`;
    case 'number':
    case 'bad-number':
    case 'unknown':
      return `'${t.raw}'`;
    default:
      return `'${t.value}'`;
  }
}
