/**
 * WorkspaceWriter: writes land below the repository root without following links,
 * even when a folder is swapped for a link between the check and the write.
 */
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkspaceWriter } from '../../../src/data/workspace-write.js';

const dirs: string[] = [];
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'mlo-ww-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('WorkspaceWriter', () => {
  it('creates missing folders and places a file', () => {
    const root = temp();
    const w = new WorkspaceWriter(root);
    w.place(tempFile(root, '.t1', 'hello'), 'a/b/c.txt');
    w.close();
    expect(readFileSync(join(root, 'a/b/c.txt'), 'utf8')).toBe('hello');
  });

  it('refuses a destination below a symbolic link, naming the link', () => {
    const root = temp();
    const outside = temp();
    symlinkSync(outside, join(root, 'link'));
    const w = new WorkspaceWriter(root);
    expect(() => w.place(tempFile(root, '.t', 'x'), 'link/x')).toThrow(
      /refusing to write through link: it is a symbolic link/,
    );
    expect(() => w.path('link/deeper/x', true)).toThrow(/through link:/);
    w.close();
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses the root, .git, .mlo and .. before touching anything', () => {
    const root = temp();
    const w = new WorkspaceWriter(root);
    for (const rel of ['', '.git/config', '.mlo/x', 'a/../../x', '.GIT/HEAD']) {
      expect(() => w.place(tempFile(root, '.t', 'x'), rel), rel).toThrow(/refusing to write/);
    }
    w.close();
  });

  it('a folder swapped for a link after it was opened still receives the file (no redirect)', (ctx) => {
    if (process.platform !== 'linux') ctx.skip(); // the lstat fallback cannot close this race
    const root = temp();
    const outside = temp();
    mkdirSync(join(root, 'data/sub'), { recursive: true });
    const w = new WorkspaceWriter(root);
    w.path('data/sub/x', true); // the check: data and data/sub are opened now
    // the race: data is moved away and a link to outside put in its place
    renameSync(join(root, 'data'), join(root, 'moved'));
    symlinkSync(outside, join(root, 'data'));
    mkdirSync(join(outside, 'sub'));
    w.place(tempFile(root, '.t', 'payload'), 'data/sub/x');
    w.close();
    expect(readdirSync(join(outside, 'sub'))).toEqual([]);
    expect(readFileSync(join(root, 'moved/sub/x'), 'utf8')).toBe('payload');
  });

  it('replaces a folder in the way only when empty, or when it is the output itself', () => {
    const root = temp();
    mkdirSync(join(root, 'd/full'), { recursive: true });
    writeFileSync(join(root, 'd/full/keep'), 'keep');
    mkdirSync(join(root, 'd/empty'));
    const w = new WorkspaceWriter(root);
    w.place(tempFile(root, '.t1', 'e'), 'd/empty');
    expect(readFileSync(join(root, 'd/empty'), 'utf8')).toBe('e');
    expect(() => w.place(tempFile(root, '.t2', 'f'), 'd/full')).toThrow(/not empty/);
    expect(readFileSync(join(root, 'd/full/keep'), 'utf8')).toBe('keep');
    w.place(tempFile(root, '.t3', 'g'), 'd/full', { replaceTree: true });
    expect(readFileSync(join(root, 'd/full'), 'utf8')).toBe('g');
    w.close();
  });
});
