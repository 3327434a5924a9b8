import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRepo, mlo, tempDir } from '../helpers/cli.js';

describe('mlo init', () => {
  it('creates .mlo with config, ignore rules, store, cache and tmp', () => {
    const dir = makeRepo({ init: false });
    const r = mlo(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    for (const f of ['config.yaml', '.gitignore', 'mlo.db', 'cache', 'tmp']) {
      expect(existsSync(join(dir, '.mlo', f)), f).toBe(true);
    }
    expect(readFileSync(join(dir, '.mlo/.gitignore'), 'utf8')).toContain('!/config.yaml');
  });

  it('run twice says the repo exists and changes nothing', () => {
    const dir = makeRepo();
    const before = readFileSync(join(dir, '.mlo/config.yaml'), 'utf8');
    const r = mlo(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/already exists/);
    expect(readFileSync(join(dir, '.mlo/config.yaml'), 'utf8')).toBe(before);
  });

  it('works outside git and warns once', () => {
    const dir = tempDir();
    const r = mlo(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr.match(/not inside a git repository/g)).toHaveLength(1);
    const again = mlo(['status'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/git repository/);
  });

  it('other commands outside an mlo repo exit 2 with a hint to run mlo init', () => {
    const dir = tempDir();
    const r = mlo(['status'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: not an mlo repository/m);
    expect(r.stderr).toMatch(/^hint: .*mlo init/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('finds the repo root from a sub-folder', () => {
    const dir = makeRepo();
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    const r = mlo(['status', '--json'], { cwd: join(dir, 'a/b') });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ entries: [] });
  });

  it('bad flags exit 2 with one error line', () => {
    const dir = makeRepo();
    const r = mlo(['status', '--no-such-flag'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')[0]).toMatch(/^error: unknown option/);
  });
});

describe('output to a closed pipe', () => {
  it('stops quietly (exit 0, no EPIPE crash) when the reader goes away, like `mlo ... | head`', async () => {
    const { spawn } = await import('node:child_process');
    const { MLO_BIN } = await import('../helpers/cli.js');
    const child = spawn(process.execPath, [MLO_BIN, 'init', '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before mlo writes a byte
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((res) => child.on('close', res));
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(code).toBe(0);
  });
});
