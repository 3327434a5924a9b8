import { parseDocument } from 'yaml';
import { describe, expect, test } from 'vitest';
import { parsePlainYaml, yamlScalar } from '../../../src/util/plain-yaml.js';

/** What the yaml package makes of `text`, as parseYaml reads it; undefined on an error. */
function full(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  return doc.errors.length ? undefined : doc.toJS();
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = [
  'data',
  'data/x.csv',
  'my data.csv',
  'reflink',
  's3://bucket/prefix',
  'http://127.0.0.1:9000',
  '7e3f0c9a',
  '7e3',
  '12e45',
  '0x1F',
  '0o17',
  '012',
  '0',
  '42',
  '9007199254740993',
  '1.5',
  '1.',
  '.5',
  '.inf',
  '-1',
  '+1',
  'true',
  'False',
  'NULL',
  'yes',
  'no',
  'on',
  '~',
  'a: b',
  'a:',
  'a#b',
  'a #b',
  "'quoted'",
  '"quoted"',
  '[a, b]',
  '{a: 1}',
  '&anchor x',
  '*alias',
  '!tag x',
  '|',
  '>',
  '- item',
  '@at',
  '%pct',
  'a,b',
  'a, b',
  'name_with-dash.and.dots',
  'ünïcode',
  '',
  'x   ',
];
const KEYS = [
  'path',
  'type',
  'hash',
  'size',
  'files',
  'cache',
  'link',
  'a',
  'b',
  '_x',
  'k-1',
  '1',
  'true',
  '__proto__',
];

function randomDoc(next: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)];
  const lines: string[] = [];
  let indent = 0;
  for (let i = 0, n = 1 + Math.floor(next() * 6); i < n; i++) {
    const r = next();
    if (r < 0.1) lines.push(`${' '.repeat(indent)}# a comment`);
    else if (r < 0.15) lines.push('');
    else if (r < 0.3) {
      lines.push(`${' '.repeat(indent)}${pick(KEYS)}:${next() < 0.2 ? ' # why' : ''}`);
      indent += pick([0, 1, 2, 2, 2, 4]);
    } else {
      const comment = next() < 0.15 ? ' # note' : '';
      lines.push(`${' '.repeat(indent)}${pick(KEYS)}: ${pick(VALUES)}${comment}`);
      if (next() < 0.3) indent = Math.max(0, indent - pick([1, 2, 2, 4]));
    }
  }
  return lines.join(next() < 0.2 ? '\r\n' : '\n') + (next() < 0.8 ? '\n' : '');
}

describe('parsePlainYaml', () => {
  test('reads what mlo writes: a pointer file and the config template', () => {
    const pointer =
      '# mlo pointer file: commit it to git.\npath: data\ntype: dir\nhash: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nsize: 102400000\nfiles: 100000\n';
    expect(parsePlainYaml(pointer)).toEqual(full(pointer));
    expect(parsePlainYaml(pointer)?.hash).toBe(
      '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    );
    const config =
      '# mlo repository settings.\ncache:\n  # how checkout puts data\n  link: reflink\nremotes:\n  origin:\n    url: s3://bucket/team/data\n    region: eu-west-1\n';
    expect(parsePlainYaml(config)).toEqual(full(config));
    expect(parsePlainYaml(config)).toEqual({
      cache: { link: 'reflink' },
      remotes: { origin: { url: 's3://bucket/team/data', region: 'eu-west-1' } },
    });
  });

  test('leaves to the yaml package what YAML could read otherwise', () => {
    for (const text of [
      'a: true\n',
      'a: 1.5\n',
      'a: 0x1F\n',
      'a: 012\n',
      'a: 7e3\n',
      'a: null\n',
      'a: ~\n',
      "a: 'q'\n",
      'a:\n',
      'a:\nb: 1\n',
      'a: 1\na: 2\n',
      '\ta: 1\n',
      'a: b#c\n',
      'a: [1]\n',
      '---\na: 1\n',
      'a: 1\n  b: 2\n',
      'a: x\n continued\n',
      '# only a comment\n',
      'a:\n  b: 1\n c: 2\n',
      '__proto__: x\n',
      'a: 9007199254740993\n',
    ])
      expect(parsePlainYaml(text), JSON.stringify(text)).toBeUndefined();
  });

  test('never reads a document differently from the yaml package (50,000 random ones)', () => {
    const next = random(19);
    let plain = 0;
    for (let i = 0; i < 50_000; i++) {
      const text = randomDoc(next);
      const ours = parsePlainYaml(text);
      if (ours === undefined) continue;
      plain++;
      expect(ours, JSON.stringify(text)).toEqual(full(text));
    }
    // the generator must exercise the subset, not only the refusals
    expect(plain).toBeGreaterThan(3_000);
  });

  test('yamlScalar writes any string so that both readers read it back unchanged', () => {
    const next = random(7);
    const alphabet = [
      'a',
      'Z',
      '0',
      '7',
      'e',
      ' ',
      '.',
      '/',
      ':',
      '#',
      '-',
      "'",
      '"',
      '\\',
      '\n',
      '\t',
      '\u0085',
      '\u007f',
      '\u2028',
      'ü',
      '😀',
      '\ud800',
      '\u0000',
      'x',
    ];
    const samples = [...VALUES, 'data', '0123abc', '1e5', 'trailing ', ' leading'];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let n = Math.floor(next() * 12); n > 0; n--)
        s += alphabet[Math.floor(next() * alphabet.length)];
      samples.push(s);
    }
    for (const value of samples) {
      const text = `path: ${yamlScalar(value)}\n`;
      expect(full(text), JSON.stringify(value)).toEqual({ path: value });
      const plain = parsePlainYaml(text);
      if (plain !== undefined) expect(plain).toEqual({ path: value });
    }
    expect(yamlScalar('data/x.csv')).toBe('data/x.csv');
    expect(yamlScalar('123')).toBe('"123"');
  });
});
