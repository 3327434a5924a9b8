/**
 * The bundle archive reader against hostile archives: each one is built byte by byte
 * here (not with the writer under test), and after each refusal nothing may exist
 * outside the extraction directory.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extractTarGz, safeEntryPath, writeTarGz } from '../../../src/deploy/tar.js';
import { MloError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/cli.js';

interface Entry {
  name: string;
  type?: string;
  body?: Buffer | string;
  linkname?: string;
  /** a size field that lies about the body */
  size?: number;
  prefix?: string;
}

function block(e: Entry): Buffer {
  const body = Buffer.from(e.body ?? '');
  const h = Buffer.alloc(512);
  h.write(e.name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write((e.size ?? body.length).toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(e.type ?? '0', 156);
  if (e.linkname) h.write(e.linkname, 157, 100);
  h.write('ustar\0', 257);
  h.write('00', 263);
  if (e.prefix) h.write(e.prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([h, body, pad]);
}

function archive(dir: string, entries: Entry[], end = true): string {
  const tar = Buffer.concat([...entries.map(block), end ? Buffer.alloc(1024) : Buffer.alloc(0)]);
  const file = join(dir, `a${Math.random().toString(36).slice(2)}.tar.gz`);
  writeFileSync(file, gzipSync(tar));
  return file;
}

function pax(records: Record<string, string>): string {
  let out = '';
  for (const [k, v] of Object.entries(records)) {
    const body = ` ${k}=${v}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    out += `${len}${body}`;
  }
  return out;
}

async function refusal(file: string, dest: string, limits = {}): Promise<MloError> {
  try {
    await extractTarGz(file, dest, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(MloError);
    expect((err as MloError).exitCode).toBe(2);
    return err as MloError;
  }
  throw new Error('the archive was accepted');
}

describe('safeEntryPath', () => {
  it('keeps relative paths and refuses escapes', () => {
    expect(safeEntryPath('./a/b.txt')).toBe('a/b.txt');
    expect(safeEntryPath('a//b/')).toBe('a/b');
    expect(safeEntryPath('/etc/passwd')).toEqual({ problem: 'an absolute path' });
    expect(safeEntryPath('a/../../x')).toEqual({ problem: 'a ".." component' });
    expect(safeEntryPath('a\\..\\x')).toEqual({ problem: 'a backslash in the name' });
    expect(safeEntryPath('./')).toEqual({ problem: 'an empty name' });
  });
});

describe('extractTarGz', () => {
  it('extracts regular files and directories, from its own writer and from GNU tar', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'src/sub'), { recursive: true });
    writeFileSync(join(dir, 'src/a.txt'), 'alpha');
    writeFileSync(join(dir, 'src/sub/b.bin'), Buffer.alloc(70_000, 7));
    const own = join(dir, 'own.tar.gz');
    await writeTarGz(own, [
      { name: 'a.txt', path: join(dir, 'src/a.txt') },
      { name: 'sub/b.bin', path: join(dir, 'src/sub/b.bin') },
    ]);
    const r = await extractTarGz(own, join(dir, 'x1'));
    expect(r.files.sort()).toEqual(['a.txt', 'sub/b.bin']);
    expect(r.bytes).toBe(70_005);
    expect(readFileSync(join(dir, 'x1/sub/b.bin')).equals(Buffer.alloc(70_000, 7))).toBe(true);

    const gnu = join(dir, 'gnu.tar.gz');
    const t = spawnSync('tar', ['czf', gnu, '-C', join(dir, 'src'), '.']);
    expect(t.status, t.stderr?.toString()).toBe(0);
    const g = await extractTarGz(gnu, join(dir, 'x2'));
    expect(g.files.sort()).toEqual(['a.txt', 'sub/b.bin']);
    expect(readFileSync(join(dir, 'x2/a.txt'), 'utf8')).toBe('alpha');
  });

  it('reads a pax long name', async () => {
    const dir = tempDir();
    const long = `${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    const file = archive(dir, [
      { name: 'PaxHeader', type: 'x', body: pax({ path: long }) },
      { name: 'short', body: 'x' },
    ]);
    const r = await extractTarGz(file, join(dir, 'out'));
    expect(r.files).toEqual([long]);
  });

  const hostile: [string, (dir: string) => Entry[], RegExp][] = [
    [
      'a symbolic link',
      () => [{ name: 'link', type: '2', linkname: '/etc' }],
      /"link" is a symbolic link/,
    ],
    [
      'a symlink then a file through it',
      () => [
        { name: 'up', type: '2', linkname: '..' },
        { name: 'up/escaped.txt', body: 'x' },
      ],
      /symbolic link/,
    ],
    [
      'a hard link',
      () => [{ name: 'h', type: '1', linkname: '/etc/passwd' }],
      /"h" is a hard link/,
    ],
    ['a device', () => [{ name: 'dev', type: '3' }], /character device/],
    ['a FIFO', () => [{ name: 'fifo', type: '6' }], /FIFO/],
    [
      'an absolute path',
      () => [{ name: '/tmp/mlo-abs-escape.txt', body: 'x' }],
      /an absolute path/,
    ],
    ['a ".." path', () => [{ name: '../escaped.txt', body: 'x' }], /a "\.\." component/],
    ['".." in the ustar prefix', () => [{ name: 'escaped.txt', prefix: '..', body: 'x' }], /\.\./],
    [
      'a pax path override with ".."',
      () => [
        { name: 'PaxHeader', type: 'x', body: pax({ path: '../escaped.txt' }) },
        { name: 'innocent.txt', body: 'x' },
      ],
      /a "\.\." component/,
    ],
    [
      'a GNU long name with ".."',
      () => [
        { name: '././@LongLink', type: 'L', body: '../../escaped.txt\0' },
        { name: 'innocent.txt', body: 'x' },
      ],
      /\.\./,
    ],
    [
      'the same file twice',
      () => [
        { name: 'manifest.json', body: '{}' },
        { name: 'manifest.json', body: '{"evil":1}' },
      ],
      /appears twice/,
    ],
    [
      'a file then a directory of that name',
      () => [
        { name: 'a', body: 'x' },
        { name: 'a/b', body: 'y' },
      ],
      /both a file and a directory/,
    ],
  ];

  for (const [what, entries, message] of hostile) {
    it(`refuses ${what}, writing nothing outside`, async () => {
      const dir = tempDir();
      const work = join(dir, 'work');
      mkdirSync(work);
      const err = await refusal(archive(dir, entries(dir)), join(work, 'out'));
      expect(err.message).toMatch(message);
      expect(existsSync(join(work, 'escaped.txt'))).toBe(false);
      expect(existsSync(join(dir, 'escaped.txt'))).toBe(false);
      expect(existsSync('/tmp/mlo-abs-escape.txt')).toBe(false);
      expect(readdirSync(work)).toEqual(['out']);
    });
  }

  it('extracts only into a directory it creates (never one holding a link)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'out'));
    symlinkSync(dir, join(dir, 'out/link'));
    await expect(
      extractTarGz(archive(dir, [{ name: 'link/x', body: 'x' }]), join(dir, 'out')),
    ).rejects.toThrow(/EEXIST/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });

  it('stops a gzip bomb at the byte limit', async () => {
    const dir = tempDir();
    const big = Buffer.alloc(20 << 20); // 20 MiB of zeros: ~20 KiB gzip'd
    const file = archive(dir, [{ name: 'zeros', body: big }]);
    const err = await refusal(file, join(dir, 'out'), { maxBytes: 1 << 20 });
    expect(err.message).toMatch(/limit of 1048576 bytes/);
  });

  it('refuses a size field that lies, an entry count over the cap and a cut archive', async () => {
    const dir = tempDir();
    const lying = archive(dir, [{ name: 'f', body: 'abc', size: 10 << 20 }], false);
    expect((await refusal(lying, join(dir, 'o1'))).message).toMatch(/cut short/);
    const many = archive(
      dir,
      Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, body: 'x' })),
    );
    expect((await refusal(many, join(dir, 'o2'), { maxEntries: 10 })).message).toMatch(
      /more than 10 entries/,
    );
    const garbage = join(dir, 'g.tar.gz');
    writeFileSync(garbage, 'not gzip at all');
    expect((await refusal(garbage, join(dir, 'o3'))).message).toMatch(/not a gzip file/);
    const tar = Buffer.concat([block({ name: 'f', body: 'x' }), Buffer.alloc(1024)]);
    tar[0] = 'g'.charCodeAt(0); // the name changes, the checksum does not
    writeFileSync(join(dir, 'sum.tar.gz'), gzipSync(tar));
    expect((await refusal(join(dir, 'sum.tar.gz'), join(dir, 'o4'))).message).toMatch(/checksum/);
  });
});
