/**
 * Temp files of killed commands do not stay (issue 10, item 11): each temp names
 * its owner (pid + start time), and the next command that writes removes those of
 * dead owners at once; a push removes what killed pushes left on the remote.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, mloAsync, tempDir, writeTree } from '../helpers/cli.js';

/**
 * Start `args` and SIGKILL it the moment a temp file appears under `watch`, so the
 * kill lands mid-write. When the command finishes first, `reset` undoes its work
 * and it is tried again. Returns the new temps the killed command left.
 */
async function killMidWrite(
  args: string[],
  cwd: string,
  watch: string,
  reset: () => void,
): Promise<string[]> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = new Set(temps(watch));
    const fresh = (): string[] => temps(watch).filter((t) => !before.has(t));
    const { child, done } = mloAsync(args, { cwd });
    let finished = false;
    void done.then(() => (finished = true));
    while (!finished && fresh().length === 0) await new Promise((r) => setTimeout(r, 2));
    if (!finished) {
      child.kill('SIGKILL');
      await done;
      const left = fresh();
      if (left.length > 0) return left;
    }
    reset();
  }
  throw new Error(`${args.join(' ')} never left a temp file to kill it at`);
}

/** Every temp file (or temp folder) below `dir`, recursively. */
function temps(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (/^\..+\.(tmp|pack)$/.test(e.name)) out.push(p);
      else if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

const bytes = (paths: string[]): number =>
  paths.reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);

describe('temps of killed commands', () => {
  const big = randomBytes(64 << 20);

  it('killed adds leave temps; the next add removes them at once', async () => {
    const dir = makeRepo();
    writeTree(dir, { 'big.bin': big, 'small.csv': 'a,b\n' });
    const cache = join(dir, '.mlo/cache');
    const reset = (): void => rmSync(cache, { recursive: true, force: true });
    const left = [
      ...(await killMidWrite(['add', 'big.bin'], dir, join(dir, '.mlo/tmp'), reset)),
      ...(await killMidWrite(['add', 'big.bin'], dir, join(dir, '.mlo/tmp'), reset)),
    ];
    expect(new Set(left).size).toBeGreaterThan(1); // two killed adds, two temps
    expect(mlo(['add', 'small.csv'], { cwd: dir }).code).toBe(0);
    expect(temps(join(dir, '.mlo'))).toEqual([]);
    expect(mlo(['add', 'big.bin'], { cwd: dir }).code).toBe(0);
    expect(mlo(['status', '--exit-code'], { cwd: dir }).code).toBe(0);
  });

  it('a killed pull leaves a temp; the retry removes it and completes', async () => {
    const dir = makeRepo();
    const store = join(tempDir(), 'store');
    writeTree(dir, { 'big.bin': big });
    mlo(['add', 'big.bin'], { cwd: dir });
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    expect(mlo(['push'], { cwd: dir }).code).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'data');
    const clone = join(tempDir(), 'clone');
    git(tempDir(), 'clone', '-q', dir, clone);
    const left = await killMidWrite(['pull'], clone, join(clone, '.mlo/tmp'), () =>
      rmSync(join(clone, '.mlo/cache'), { recursive: true, force: true }),
    );
    expect(mlo(['pull'], { cwd: clone }).code).toBe(0);
    expect(temps(join(clone, '.mlo'))).toEqual([]);
    expect(bytes(left)).toBe(0);
    expect(readFileSync(join(clone, 'big.bin')).equals(big)).toBe(true);
  });

  it('a killed push leaves temps on a directory remote; the next push removes them', async () => {
    const dir = makeRepo();
    const store = join(tempDir(), 'store');
    writeTree(dir, { 'a.bin': big, 'b.bin': Buffer.concat([big, Buffer.from('b')]) });
    mlo(['add', 'a.bin', 'b.bin'], { cwd: dir });
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    const left = await killMidWrite(['push', '-j', '1'], dir, store, () =>
      rmSync(store, { recursive: true, force: true }),
    );
    expect(left.length).toBeGreaterThan(0);
    expect(mlo(['push'], { cwd: dir }).code).toBe(0);
    expect(temps(store)).toEqual([]);
  });
});
