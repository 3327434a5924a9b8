/**
 * On-demand feature expressions: small arithmetic over request fields and stored
 * features, compiled once into closures (no eval), so computing them at request
 * time costs a few property reads.
 *
 *     amount / customer_stats.avg_order
 *     if(orders > 0, spend / orders, null)
 *     log1p(max(amount, 0)) * 2
 *
 * Values are numbers, strings, booleans or null. Null propagates through arithmetic
 * and comparisons; division by zero and results that are not finite give null.
 * Functions: abs, sqrt, exp, log, log1p, floor, ceil, round, min, max, coalesce,
 * if(cond, a, b), is_null(x). Operators by precedence: `or`; `and`; `not`;
 * == != < <= > >=; + -; * / %; unary -.
 */
import { MloError } from '../errors.js';

export type Value = number | string | boolean | null;

/** Reads the value of the identifier compiled into slot `i`. */
export type Env = (slot: number) => Value;

export interface CompiledExpr {
  readonly text: string;
  /** identifiers in slot order: `amount`, `customer_stats.avg_order` */
  readonly names: readonly string[];
  evaluate(env: Env): Value;
}

type Node = (env: Env) => Value;

type TokenKind = 'num' | 'str' | 'ident' | 'op' | '(' | ')' | ',' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const OPS = ['==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%'];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      out.push({ kind: 'num', text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?/.exec(text.slice(i));
    if (ident) {
      out.push({ kind: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw exprError(text, i, 'a string that is never closed');
      out.push({ kind: 'str', text: text.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ kind: c, text: c, pos: i });
      i++;
      continue;
    }
    throw exprError(text, i, `unexpected "${c}"`);
  }
  out.push({ kind: 'end', text: '', pos: text.length });
  return out;
}

function exprError(text: string, pos: number, message: string): MloError {
  return new MloError('INVALID', `expression "${text}": ${message} at column ${pos + 1}`, {
    hint: `${text}\n${' '.repeat(pos)}^`,
  });
}

const num = (v: Value): number | null => (typeof v === 'number' ? v : null);
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
const truthy = (v: Value): boolean => v !== null && v !== false && v !== 0 && v !== '';

function arith(op: string, a: Node, b: Node): Node {
  const f =
    op === '+'
      ? (x: number, y: number) => x + y
      : op === '-'
        ? (x: number, y: number) => x - y
        : op === '*'
          ? (x: number, y: number) => x * y
          : op === '/'
            ? (x: number, y: number) => x / y
            : (x: number, y: number) => x % y;
  return (env) => {
    const x = num(a(env));
    if (x === null) return null;
    const y = num(b(env));
    if (y === null) return null;
    return finite(f(x, y));
  };
}

function compare(op: string, a: Node, b: Node): Node {
  return (env) => {
    const x = a(env);
    const y = b(env);
    if (x === null || y === null) return null;
    switch (op) {
      case '==':
        return x === y;
      case '!=':
        return x !== y;
      case '<':
        return x < y;
      case '<=':
        return x <= y;
      case '>':
        return x > y;
      default:
        return x >= y;
    }
  };
}

const UNARY: Record<string, (x: number) => number> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
};

class Parser {
  private i = 0;
  readonly names: string[] = [];
  private readonly slots = new Map<string, number>();

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'ident' && t.text.toLowerCase() === word;
  }

  private expect(kind: TokenKind, what: string): Token {
    const t = this.next();
    if (t.kind !== kind) throw exprError(this.text, t.pos, `expected ${what}`);
    return t;
  }

  parseAll(): Node {
    const node = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw exprError(this.text, t.pos, `unexpected "${t.text}"`);
    return node;
  }

  private or(): Node {
    let left = this.and();
    while (this.isWord('or')) {
      this.next();
      const a = left;
      const b = this.and();
      left = (env) => truthy(a(env)) || truthy(b(env));
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.isWord('and')) {
      this.next();
      const a = left;
      const b = this.not();
      left = (env) => truthy(a(env)) && truthy(b(env));
    }
    return left;
  }

  private not(): Node {
    if (this.isWord('not')) {
      this.next();
      const a = this.not();
      return (env) => !truthy(a(env));
    }
    return this.comparison();
  }

  private comparison(): Node {
    const left = this.sum();
    const t = this.peek();
    if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      this.next();
      return compare(t.text, left, this.sum());
    }
    return left;
  }

  private sum(): Node {
    let left = this.product();
    for (let t = this.peek(); t.kind === 'op' && (t.text === '+' || t.text === '-');) {
      this.next();
      left = arith(t.text, left, this.product());
      t = this.peek();
    }
    return left;
  }

  private product(): Node {
    let left = this.unary();
    for (let t = this.peek(); t.kind === 'op' && '*/%'.includes(t.text);) {
      this.next();
      left = arith(t.text, left, this.unary());
      t = this.peek();
    }
    return left;
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '-') {
      this.next();
      const a = this.unary();
      return (env) => {
        const x = num(a(env));
        return x === null ? null : -x;
      };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.next();
    if (t.kind === 'num') {
      const v = Number(t.text);
      return () => v;
    }
    if (t.kind === 'str') {
      const v = t.text;
      return () => v;
    }
    if (t.kind === '(') {
      const inner = this.or();
      this.expect(')', '")"');
      return inner;
    }
    if (t.kind === 'ident') {
      const lower = t.text.toLowerCase();
      if (lower === 'null') return () => null;
      if (lower === 'true') return () => true;
      if (lower === 'false') return () => false;
      if (this.peek().kind === '(') return this.call(t);
      let slot = this.slots.get(t.text);
      if (slot === undefined) {
        slot = this.names.length;
        this.slots.set(t.text, slot);
        this.names.push(t.text);
      }
      const s = slot;
      return (env) => env(s);
    }
    throw exprError(
      this.text,
      t.pos,
      t.kind === 'end' ? 'unexpected end' : `unexpected "${t.text}"`,
    );
  }

  private call(fn: Token): Node {
    this.next(); // (
    const args: Node[] = [];
    if (this.peek().kind !== ')') {
      args.push(this.or());
      while (this.peek().kind === ',') {
        this.next();
        args.push(this.or());
      }
    }
    this.expect(')', '")" closing the call');
    const name = fn.text.toLowerCase();
    const arity = (n: number): void => {
      if (args.length !== n)
        throw exprError(this.text, fn.pos, `${name}() takes ${n} argument${n === 1 ? '' : 's'}`);
    };
    const unary = UNARY[name];
    if (unary) {
      arity(1);
      const [a] = args;
      return (env) => {
        const x = num(a(env));
        return x === null ? null : finite(unary(x));
      };
    }
    switch (name) {
      case 'min':
      case 'max': {
        if (args.length < 2)
          throw exprError(this.text, fn.pos, `${name}() takes 2 or more arguments`);
        const pick = name === 'min' ? Math.min : Math.max;
        return (env) => {
          let acc: number | null = null;
          for (const a of args) {
            const x = num(a(env));
            if (x === null) return null;
            acc = acc === null ? x : pick(acc, x);
          }
          return acc;
        };
      }
      case 'coalesce':
        if (args.length < 1) throw exprError(this.text, fn.pos, 'coalesce() needs arguments');
        return (env) => {
          for (const a of args) {
            const v = a(env);
            if (v !== null) return v;
          }
          return null;
        };
      case 'if': {
        arity(3);
        const [c, a, b] = args;
        return (env) => (truthy(c(env)) ? a(env) : b(env));
      }
      case 'is_null': {
        arity(1);
        const [a] = args;
        return (env) => a(env) === null;
      }
      default:
        throw exprError(this.text, fn.pos, `unknown function ${fn.text}()`);
    }
  }
}

export function compileExpr(text: string): CompiledExpr {
  const parser = new Parser(text, tokenize(text));
  const root = parser.parseAll();
  return { text, names: parser.names, evaluate: root };
}
