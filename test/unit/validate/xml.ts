/**
 * A strict reader for the XML subset JUnit reports use (declaration, elements,
 * attributes, text, character references), written for the tests: it throws on
 * anything that is not well-formed XML 1.0 and returns the element tree. Validity
 * against Jenkins' JUnit schema is xmllint's job (junitSchemaErrors).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][\w.:-]*/;
// eslint-disable-next-line no-control-regex -- the characters XML 1.0 forbids
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw "<" in ${where}`);
  return raw.replace(/&([^;]*);|&/g, (_m, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare "&" in ${where}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref];
    const num = /^#(\d+)$/.exec(ref) ?? /^#x([0-9a-fA-F]+)$/.exec(ref);
    if (num === null) throw new Error(`unknown entity &${ref}; in ${where}`);
    return String.fromCodePoint(parseInt(num[1], ref.startsWith('#x') ? 16 : 10));
  });
}

export function parseXml(text: string): XmlElement {
  if (ILLEGAL.test(text)) throw new Error('a character XML 1.0 cannot hold');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) throw new Error('a lone surrogate');
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) throw new Error('a lone surrogate');
  }
  let pos = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(text);
  if (decl === null) throw new Error('no XML declaration');
  pos = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (pos < text.length) {
    if (text[pos] !== '<') {
      const end = text.indexOf('<', pos);
      const raw = text.slice(pos, end < 0 ? text.length : end);
      if (stack.length === 0) {
        if (raw.trim() !== '') throw new Error('text outside the root element');
      } else stack[stack.length - 1].text += decode(raw, 'text');
      pos = end < 0 ? text.length : end;
      continue;
    }
    if (text.startsWith('</', pos)) {
      const m = NAME.exec(text.slice(pos + 2));
      if (m === null) throw new Error(`bad closing tag at ${pos}`);
      const close = text.indexOf('>', pos);
      if (text.slice(pos + 2 + m[0].length, close).trim() !== '')
        throw new Error('junk in a closing tag');
      const open = stack.pop();
      if (open?.name !== m[0]) throw new Error(`</${m[0]}> closes <${open?.name ?? 'nothing'}>`);
      pos = close + 1;
      continue;
    }
    const m = NAME.exec(text.slice(pos + 1));
    if (m === null) throw new Error(`bad tag at ${pos}`);
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    pos += 1 + m[0].length;
    for (;;) {
      const ws = /^\s*/.exec(text.slice(pos))?.[0] ?? '';
      pos += ws.length;
      if (text.startsWith('/>', pos) || text[pos] === '>') break;
      if (ws === '') throw new Error(`attributes of <${el.name}> must be separated by blanks`);
      const a = /^([A-Za-z_:][\w.:-]*)="([^"]*)"/.exec(text.slice(pos));
      if (a === null)
        throw new Error(`bad attribute in <${el.name}> at ${pos}: ${text.slice(pos, pos + 30)}`);
      if (a[1] in el.attrs) throw new Error(`attribute ${a[1]} twice in <${el.name}>`);
      el.attrs[a[1]] = decode(a[2], `attribute ${a[1]}`);
      pos += a[0].length;
    }
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else if (root === undefined) root = el;
    else throw new Error('two root elements');
    if (text.startsWith('/>', pos)) pos += 2;
    else {
      pos += 1;
      stack.push(el);
    }
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> is never closed`);
  if (root === undefined) throw new Error('no root element');
  return root;
}

const JUNIT_XSD = join(import.meta.dirname, '../../fixtures/junit/junit-10.xsd');

/** Whether xmllint (Debian's libxml2-utils, installed by .ci/run) is here. */
export const HAS_XMLLINT = spawnSync('xmllint', ['--version']).status === 0;

/**
 * Check a JUnit report against Jenkins' JUnit schema with xmllint: null when valid,
 * else what xmllint says.
 */
export function junitSchemaErrors(xml: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-junit-'));
  try {
    const file = join(dir, 'report.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
    if (r.error !== undefined) throw r.error;
    return r.status === 0 ? null : r.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
