/**
 * Values put into stage commands reach the program as literal text, whatever they
 * hold: every rendered command is run by the real /bin/sh (and bash, which is
 * /bin/sh on macOS), and the arguments it passes are compared with the values.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandValueError, renderCommand } from '../../../src/pipeline/shell-quote.js';

const SHELLS = ['/bin/sh', ...(existsSync('/bin/bash') ? ['/bin/bash'] : [])];
const work = mkdtempSync(join(tmpdir(), 'mlo-shell-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The arguments the shell passed to printf, one per NUL-terminated field. */
function argvOf(shell: string, command: string): string[] {
  const r = spawnSync(shell, ['-c', command], {
    cwd: work,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: '/home/someone', V: 'from-env' },
  });
  if (r.status !== 0) throw new Error(`${shell} -c ${command}: exit ${r.status}: ${r.stderr}`);
  const fields = r.stdout.split('\0');
  expect(fields.pop()).toBe('');
  return fields;
}

const render = (template: string, value: string): string =>
  renderCommand(template, (name) => {
    if (name !== 'v') throw new Error(`unexpected name ${name}`);
    return value;
  });

const HOSTILE = [
  '$(touch pwned)',
  '`touch pwned`',
  '"; touch pwned; "',
  "'; touch pwned; '",
  "'",
  '"',
  '\\',
  'a\\',
  '\\\\',
  "\\'",
  'a\nb',
  '\ntouch pwned\n',
  'x\r\ny',
  '$HOME',
  '${HOME}',
  '$V',
  '$((1+1))',
  '*',
  '?',
  '[a]',
  '~',
  '~root',
  '',
  ' ',
  'a b',
  '\ta\t',
  '#x',
  'x #y',
  '!',
  '{a,b}',
  "$'\\x41'",
  '-n',
  '%s',
  '()',
  '<x',
  '>x',
  '|',
  '&',
  ';',
  'é 中 🙂',
  'a\'b"c`d$e\\f',
  'touch pwned #',
  '0.01',
  'data/train.csv',
];

/** Templates and the argument list they must produce for value v. */
const TEMPLATES: [string, (v: string) => string[]][] = [
  ["printf '%s\\0' ${v}", (v) => [v]],
  ['printf \'%s\\0\' "${v}"', (v) => [v]],
  ["printf '%s\\0' '${v}'", (v) => [v]],
  ['printf \'%s\\0\' "a ${v} b"', (v) => [`a ${v} b`]],
  ["printf '%s\\0' --k=${v}", (v) => [`--k=${v}`]],
  ["printf '%s\\0' x${v}y ${v}${v}", (v) => [`x${v}y`, v + v]],
  ["printf '%s\\0' \"${v}\"'${v}'${v}", (v) => [v + v + v]],
  ["printf '%s\\0' ${v} # a note: ${v}", (v) => [v]],
  ['V=${v}; printf \'%s\\0\' "$V"', (v) => [v]],
  ["printf '%s\\0' \"$(printf '%s' ${v})\" ${v}", (v) => [v.replace(/\n+$/, ''), v]],
  ["printf '%s\\0' $(printf '%s' x) \"$V\" ${v}", (v) => ['x', 'from-env', v]],
  ["printf '%s\\0' \\${HOME} ${v}", (v) => ['/home/someone', v]],
  ["printf '%s\\0' ~${v} ~/x", (v) => [`~${v}`, '/home/someone/x']],
  ["true && printf '%s\\0' ${v} | cat", (v) => [v]],
  ["printf '%s\\0' \\\n  ${v}\n# ${v}\nprintf '%s\\0' \"${v}\"", (v) => [v, v]],
  ["(printf '%s\\0' ${v})#${v}", (v) => [v]],
  ['printf \'%s\\0\' "$(printf \'%s\' "${v}")"', (v) => [v.replace(/\n+$/, '')]],
];

function fuzzValue(rand: () => number): string {
  const alphabet = [...'\'"`$\\(){}[]*?~#!;&|<> \n\t\r-=:,./@%+aZ09é', '$(', '\\n', "'\\''"];
  const n = Math.floor(rand() * 8);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('values in stage commands', () => {
  it('keep plain values as they were written: the same command text, the same argv', () => {
    expect(render('python train.py --lr ${v} --out models/x.onnx', '0.001')).toBe(
      'python train.py --lr 0.001 --out models/x.onnx',
    );
    expect(render('python train.py --data "${v}"', 'data/train.csv')).toBe(
      'python train.py --data "data/train.csv"',
    );
    expect(render('echo ${v}', '-1e-05')).toBe('echo -1e-05');
    expect(render('echo \\${HOME}', 'unused')).toBe('echo ${HOME}');
  });

  for (const shell of SHELLS) {
    it(`reach the program as literal text in every quoting context (${shell})`, () => {
      for (const [template, expected] of TEMPLATES) {
        for (const v of HOSTILE) {
          const cmd = render(template, v);
          expect(argvOf(shell, cmd), `${template} with ${JSON.stringify(v)}\n${cmd}`).toEqual(
            expected(v),
          );
        }
      }
      expect(readdirSync(work)).toEqual([]);
    });

    it(`hold for random hostile values (${shell})`, () => {
      const rand = mulberry32(20240501);
      for (let i = 0; i < 150; i++) {
        const v = fuzzValue(rand);
        const [template, expected] = TEMPLATES[i % TEMPLATES.length];
        const cmd = render(template, v);
        expect(argvOf(shell, cmd), `${template} with ${JSON.stringify(v)}\n${cmd}`).toEqual(
          expected(v),
        );
      }
      expect(readdirSync(work)).toEqual([]);
    });
  }

  it('refuses a value that needs quoting where the context cannot be followed safely', () => {
    const refused: [string, RegExp][] = [
      ['echo `cat ${v}`', /inside|after a backtick/],
      ['cat <<EOF\n${v}\nEOF', /here-document/],
      ["echo $'a' ${v}", /\$'\.\.\.'/],
      ['echo \\${X:-${v}}', /shell \$\{\.\.\.\}/],
      ['echo $((${v} + 1))', /\$\(\(\.\.\.\)\)/],
      ['(( x = ${v} ))', /\(\( \)\)/],
      ['[[ ${v} -eq 1 ]]', /\[\[ \]\]/],
      ['echo "$(case a in a) echo ${v};; esac)"', /case/],
      ['echo $${v}', /variable name/],
      ['echo "$${v}"', /variable name/],
      ['echo ${raw:v} ${v}', /after \$\{raw:v\}/],
    ];
    for (const [template, why] of refused) {
      let err: unknown;
      try {
        render(template, '$(touch pwned)');
      } catch (e) {
        err = e;
      }
      expect(err, template).toBeInstanceOf(CommandValueError);
      expect((err as Error).message, template).toMatch(why);
      expect((err as CommandValueError).hint).toMatch(/env:.*\$\{raw:v\}|\\\$/);
    }
    // plain values mean nothing to the shell anywhere: accepted in those places too
    expect(render('echo $((${v} + 1))', '41')).toBe('echo $((41 + 1))');
    expect(render('cat <<EOF\n${v}\nEOF', 'ok')).toBe('cat <<EOF\nok\nEOF');
    expect(() => render('echo ${v}', 'a\0b')).toThrow(/NUL/);
  });

  it('puts ${raw:name} in as written, for values that are shell text', () => {
    expect(render('python train.py ${raw:v}', '--lr 0.1 --epochs 3')).toBe(
      'python train.py --lr 0.1 --epochs 3',
    );
    expect(argvOf('/bin/sh', render("printf '%s\\0' ${raw:v} ${v}", 'a b'))).toEqual([
      'a',
      'b',
      'a b',
    ]);
  });
});
