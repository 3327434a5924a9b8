/**
 * Putting values into a stage's shell command as data, never as shell code.
 *
 * `${name}` in a `cmd:` is replaced by the value quoted for the place it stands in,
 * so that /bin/sh (dash, or bash on macOS) reads back exactly the value as literal
 * text and ends in the same parsing state as before the value:
 *
 *   unquoted        python train.py --name ${x}   →  'value', with ' written as '\''
 *   double quotes   echo "run ${x}"               →  value with $ ` " \ backslashed
 *   single quotes   echo '${x}'                   →  value with ' written as '\''
 *   a comment       # ${x}                        →  value with line breaks as spaces
 *
 * A value made only of characters that mean nothing to the shell anywhere (letters,
 * digits, `_ @ % + : , . / -`) is put in as it is, so a command such as
 * `python train.py --lr ${train.lr}` reads exactly as it always did.
 *
 * To know where a value stands, the command is read with a small shell lexer. Where
 * the lexer cannot be sure of the context — inside backticks, `$((...))`, a shell
 * `${...}`, a here-document, bash's `$'...'`, a `case` inside `$(...)` — a value that
 * needs quoting is refused rather than guessed at. `${raw:name}` puts a value in
 * unquoted, for the rare value that is meant to be shell text.
 */

/** Characters with no meaning to the shell in any context. */
const PLAIN_VALUE = /^[A-Za-z0-9_@%+:,./-]+$/;
/** A raw value the lexer can follow: words separated by spaces. */
const RAW_WORDS = /^[A-Za-z0-9_@%+:,./=\s-]*$/;

/** mlo's own syntax: `\${` is a literal `${`; `${ name }` is a value. */
const TOKEN = /\\\$\{|\$\{\s*([^}]*?)\s*\}/g;

export const RAW_PREFIX = 'raw:';

type Frame =
  | { kind: 'top'; nested: boolean; depth: number }
  | { kind: 'double' }
  | { kind: 'single' }
  | { kind: 'comment' }
  | { kind: 'param' }
  | { kind: 'arith'; depth: number };

/** Where in the shell's grammar the next character of a command stands. */
class ShellLexer {
  private readonly stack: Frame[] = [{ kind: 'top', nested: false, depth: 0 }];
  /** something the lexer does not follow came before: no more quoting decisions */
  unsure: string | undefined;
  /** inside a tilde prefix (`~user/`), where text names a user */
  private tilde = false;
  /** the next character starts a word (so `#` would begin a comment) */
  private wordStart = true;

  get frame(): Frame {
    return this.stack[this.stack.length - 1];
  }

  /** A value here would be read as part of a user name (`~user`). */
  get inTildePrefix(): boolean {
    return this.tilde;
  }

  /** Stop deciding: from here on a value that needs quoting is refused. */
  giveUp(why: string): void {
    this.unsure ??= why;
  }

  /** A value was put in: the current word goes on. */
  valueWritten(): void {
    this.tilde = false;
    this.wordStart = false;
  }

  feed(text: string): void {
    let i = 0;
    while (i < text.length) i = this.step(text, i);
  }

  /** Read the character at i (and what it starts); returns the next index. */
  private step(s: string, i: number): number {
    const c = s[i];
    const f = this.frame;
    switch (f.kind) {
      case 'single':
        if (c === "'") this.stack.pop();
        return i + 1;
      case 'comment':
        if (c === '\n') {
          this.stack.pop();
          this.wordStart = true;
        }
        return i + 1;
      case 'param':
        if (c === '}') this.stack.pop();
        else if (`'"\`\\{$`.includes(c)) this.giveUp('inside a shell ${...}');
        return i + 1;
      case 'arith':
        if (c === '(') f.depth++;
        else if (c === ')') {
          if (f.depth === 0 && s[i + 1] === ')') {
            this.stack.pop();
            this.wordStart = false;
            return i + 2;
          }
          f.depth--;
        } else if (`'"\`\\`.includes(c) || (c === '$' && s[i + 1] === '('))
          this.giveUp('inside $((...))');
        return i + 1;
      case 'double':
        if (c === '\\') return i + 2;
        if (c === '"') {
          this.stack.pop();
          return i + 1;
        }
        if (c === '`') this.giveUp('after a backtick');
        if (c === '$') return this.dollar(s, i);
        return i + 1;
      case 'top':
        return this.stepTop(f, s, i);
    }
  }

  private stepTop(f: Extract<Frame, { kind: 'top' }>, s: string, i: number): number {
    const c = s[i];
    const atWordStart = this.wordStart;
    const prev = i > 0 ? s[i - 1] : undefined;
    this.wordStart = /[\s;&|()<>]/.test(c);
    if (this.tilde && /[\s;&|()<>/'"]/.test(c)) this.tilde = false;
    if (c === '\\') {
      this.wordStart = false;
      return i + 2;
    }
    if (c === "'") this.stack.push({ kind: 'single' });
    else if (c === '"') this.stack.push({ kind: 'double' });
    else if (c === '`') this.giveUp('after a backtick');
    else if (c === '$') {
      if (s[i + 1] === "'") this.giveUp("after bash's $'...' quoting");
      return this.dollar(s, i);
    } else if (c === '#' && atWordStart) this.stack.push({ kind: 'comment' });
    else if (c === '<' && s[i + 1] === '<') this.giveUp('after a here-document');
    else if (c === '(' && atWordStart && s[i + 1] === '(') {
      // bash's (( )) evaluates its text, quotes and all, as arithmetic
      this.giveUp('after (( ))');
    } else if (c === '[' && atWordStart && s[i + 1] === '[') {
      // bash's [[ a -eq b ]] evaluates quoted text as arithmetic too
      this.giveUp('after [[ ]]');
    } else if (c === '(') f.depth++;
    else if (c === ')') {
      if (f.nested && f.depth === 0) {
        this.stack.pop();
        this.wordStart = false;
      } else f.depth = Math.max(0, f.depth - 1);
    } else if (c === '~' && (atWordStart || prev === '=' || prev === ':')) {
      // a tilde prefix runs to the first "/": a value inside it would name a user
      this.tilde = true;
    } else if (
      f.nested &&
      atWordStart &&
      s.startsWith('case', i) &&
      /[\s;]/.test(s[i + 4] ?? ' ')
    ) {
      // a case pattern's lone ")" would end $(...) early for this lexer
      this.giveUp('after a case inside $(...)');
    }
    return i + 1;
  }

  /** `$` in unquoted text or double quotes: what it opens. */
  private dollar(s: string, i: number): number {
    const n = s[i + 1];
    this.wordStart = false;
    if (n === '(' && s[i + 2] === '(') {
      this.stack.push({ kind: 'arith', depth: 0 });
      return i + 3;
    }
    if (n === '(') {
      this.stack.push({ kind: 'top', nested: true, depth: 0 });
      this.wordStart = true;
      return i + 2;
    }
    if (n === '{') {
      this.stack.push({ kind: 'param' });
      return i + 2;
    }
    if (n === '"' && this.frame.kind === 'top') {
      // bash's $"..." reads like "..."
      this.stack.push({ kind: 'double' });
      return i + 2;
    }
    return i + 1;
  }
}

/** Why a value cannot be put at a place; the caller adds file and line. */
export class CommandValueError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** The value as literal text for the lexer's current context. */
function quoteFor(lexer: ShellLexer, name: string, value: string, afterDollar: boolean): string {
  const f = lexer.frame;
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  const hint = `pass it as an environment variable (env: {NAME: \${${name}}}, then "$NAME" in cmd), or write \${${RAW_PREFIX}${name}} if it is trusted shell text`;
  if (value.includes('\0'))
    throw new CommandValueError(`\${${name}}: the value ${shown} holds a NUL byte`, hint);
  if (afterDollar && f.kind !== 'single' && f.kind !== 'comment') {
    throw new CommandValueError(
      `\${${name}}: the "$" right before it would make the shell read the value as a variable name`,
      'write \\$ for a literal dollar sign, or move the $ away from the value',
    );
  }
  if (PLAIN_VALUE.test(value) && !lexer.inTildePrefix) return value;
  const where =
    lexer.unsure ??
    (f.kind === 'param' ? 'inside a shell ${...}' : f.kind === 'arith' ? 'inside $((...))' : '');
  if (where) {
    throw new CommandValueError(
      `\${${name}}: the value ${shown} needs shell quoting, which mlo cannot do safely ${where}`,
      hint,
    );
  }
  const singleQuoted = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;
  switch (f.kind) {
    case 'single':
      return value.replace(/'/g, `'\\''`);
    case 'double':
      return value.replace(/[$`"\\]/g, '\\$&');
    case 'comment':
      // quoted as well: harmless in a comment, and still literal if it were not one
      return singleQuoted(value.replace(/[\r\n]/g, ' '));
    default:
      return singleQuoted(value);
  }
}

/** The text ends with a `$` that is not escaped by a backslash. */
const ENDS_WITH_DOLLAR = /(?:^|[^\\])(?:\\\\)*\$$/;

/**
 * Replace every `${name}` of a shell command template with its value, quoted for
 * where it stands; `${raw:name}` with the value unquoted; `\${` with `${`.
 * `valueOf` returns the text of a name (and throws for an unknown one).
 */
export function renderCommand(template: string, valueOf: (name: string) => string): string {
  if (!template.includes('${')) return template;
  const lexer = new ShellLexer();
  let out = '';
  let last = 0;
  for (const m of template.matchAll(TOKEN)) {
    const literal = template.slice(last, m.index);
    lexer.feed(literal);
    out += literal;
    last = m.index + m[0].length;
    if (m[0] === '\\${') {
      lexer.feed('${');
      out += '${';
      continue;
    }
    const name = m[1] ?? '';
    if (name.startsWith(RAW_PREFIX)) {
      const raw = valueOf(name.slice(RAW_PREFIX.length).trim());
      // Words and spaces leave the lexer where it was; anything else is shell text
      // whose effect on what follows is the author's to judge.
      if (RAW_WORDS.test(raw)) lexer.feed(raw);
      else lexer.giveUp(`after \${${name}}`);
      out += raw;
      lexer.valueWritten();
      continue;
    }
    out += quoteFor(lexer, name, valueOf(name), ENDS_WITH_DOLLAR.test(literal));
    lexer.valueWritten();
  }
  const rest = template.slice(last);
  out += rest;
  return out;
}
