/**
 * Safety under kill -9 and concurrency: a killed add, checkout, push or pull leaves
 * no corrupt object and every workspace file with its old or its new content.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { git, makeRepo, mlo, mloAsync, parseJson, tempDir, writeTree } from '../helpers/cli.js';
import { sha256 } from '../../src/data/hash.js';

const KILL_AFTER_MS = [180, 300, 450, 700];
const FILES = 1500;

async function killAfter(args: string[], cwd: string, ms: number): Promise<void> {
  const { child, done } = mloAsync(args, { cwd });
  await new Promise((r) => setTimeout(r, ms));
  child.kill('SIGKILL');
  await done;
}

function corrupt(dir: string): unknown[] {
  const r = parseJson<{ problems: { problem: string }[] }>(mlo(['fsck', '--json'], { cwd: dir }));
  return r.problems.filter((p) => p.problem === 'corrupt');
}

function writeVersion(dir: string, tag: string, big: Buffer): void {
  const tree: Record<string, string | Buffer> = {
    'big.bin': Buffer.concat([Buffer.from(tag), big]),
  };
  for (let i = 0; i < FILES; i++) tree[`many/f${i}.txt`] = `${tag}-${i}`;
  writeTree(dir, tree);
}

/** Remote objects are named by their hash: each must be whole. Returns how many there are. */
function assertWholeObjects(store: string): number {
  let n = 0;
  if (!existsSync(store)) return 0;
  for (const sub of readdirSync(store)) {
    if (!/^[0-9a-f]{2}$/.test(sub)) continue;
    for (const f of readdirSync(join(store, sub))) {
      if (f.startsWith('.')) continue;
      expect(sha256(readFileSync(join(store, sub, f)))).toBe(sub + f);
      n++;
    }
  }
  return n;
}

describe('kill -9 safety', () => {
  const big = randomBytes(40 << 20);

  it('add: no corrupt objects, no stray files in the workspace, a rerun completes', async () => {
    const dir = makeRepo();
    writeVersion(dir, 'A', big);
    let interrupted = 0;
    for (const ms of KILL_AFTER_MS) {
      await killAfter(['add', 'big.bin', 'many'], dir, ms);
      if (!existsSync(join(dir, 'many.mlo'))) interrupted++;
      expect(corrupt(dir)).toEqual([]);
      const stray = git(dir, 'status', '--porcelain', '--untracked-files=all')
        .split('\n')
        .filter((l) => /\.tmp$/.test(l));
      expect(stray).toEqual([]);
    }
    expect(interrupted).toBeGreaterThan(0); // the kills really landed mid-operation
    expect(mlo(['add', 'big.bin', 'many'], { cwd: dir }).code).toBe(0);
    expect(mlo(['status', '--exit-code'], { cwd: dir }).code).toBe(0);
    expect(mlo(['fsck'], { cwd: dir }).code).toBe(0);
  });

  it('checkout: each file keeps its old or gets its new content', async () => {
    const dir = makeRepo();
    writeVersion(dir, 'B', big);
    mlo(['add', 'big.bin', 'many'], { cwd: dir });
    const pointersB = {
      big: readFileSync(join(dir, 'big.bin.mlo')),
      many: readFileSync(join(dir, 'many.mlo')),
    };
    writeVersion(dir, 'A', big);
    mlo(['add', 'big.bin', 'many'], { cwd: dir });
    let interrupted = 0;
    for (const ms of KILL_AFTER_MS) {
      writeFileSync(join(dir, 'big.bin.mlo'), pointersB.big);
      writeFileSync(join(dir, 'many.mlo'), pointersB.many);
      await killAfter(['checkout'], dir, ms);
      const head = readFileSync(join(dir, 'big.bin')).subarray(0, 1).toString();
      expect(['A', 'B']).toContain(head);
      let stillA = head === 'A';
      for (let i = 0; i < FILES; i += 37) {
        const text = readFileSync(join(dir, `many/f${i}.txt`), 'utf8');
        expect([`A-${i}`, `B-${i}`]).toContain(text);
        if (text.startsWith('A')) stillA = true;
      }
      if (stillA) interrupted++;
      expect(corrupt(dir)).toEqual([]);
      // back to A for the next round (A is cached, so this never conflicts)
      mlo(['add', 'big.bin', 'many'], { cwd: dir });
    }
    expect(interrupted).toBeGreaterThan(0);
    writeFileSync(join(dir, 'big.bin.mlo'), pointersB.big);
    writeFileSync(join(dir, 'many.mlo'), pointersB.many);
    expect(mlo(['checkout'], { cwd: dir }).code).toBe(0);
    expect(readFileSync(join(dir, 'many/f10.txt'), 'utf8')).toBe('B-10');
    expect(mlo(['status', '--exit-code'], { cwd: dir }).code).toBe(0);
  });

  it('push and pull: the remote and the cache only ever hold whole objects; reruns finish', async () => {
    const dir = makeRepo();
    const store = join(tempDir(), 'store');
    writeVersion(dir, 'P', big);
    mlo(['add', 'big.bin', 'many'], { cwd: dir });
    mlo(['remote', 'add', 'origin', store], { cwd: dir });
    let interrupted = 0;
    for (const ms of KILL_AFTER_MS) {
      await killAfter(['push', '-j', '2'], dir, ms);
      if (assertWholeObjects(store) < FILES + 2) interrupted++;
    }
    expect(interrupted).toBeGreaterThan(0);
    const pushed = parseJson<{ uploaded: number; skipped: number }>(
      mlo(['push', '--json'], { cwd: dir }),
    );
    expect(pushed.uploaded + pushed.skipped).toBe(FILES + 2);

    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'data');
    const clone = join(tempDir(), 'clone');
    git(dir, 'clone', '-q', dir, clone);
    interrupted = 0;
    for (const ms of KILL_AFTER_MS) {
      await killAfter(['pull'], clone, ms);
      if (existsSync(join(clone, '.mlo/mlo.db'))) expect(corrupt(clone)).toEqual([]);
      if (!existsSync(join(clone, 'many/f1499.txt'))) interrupted++;
    }
    expect(interrupted).toBeGreaterThan(0);
    expect(mlo(['pull'], { cwd: clone }).code).toBe(0);
    expect(readFileSync(join(clone, 'many/f5.txt'), 'utf8')).toBe('P-5');
    expect(mlo(['fsck'], { cwd: clone }).code).toBe(0);
  });
});

describe('concurrency', () => {
  it('several mlo add processes on different paths of one folder all succeed', async () => {
    const dir = makeRepo();
    const n = 4;
    const tree: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
      tree[`data/f${i}.csv`] = `file ${i}\n`.repeat(1000);
      for (let j = 0; j < 200; j++) tree[`data/d${i}/x${j}`] = `${i}-${j}`;
    }
    writeTree(dir, tree);
    const runs = [];
    for (let i = 0; i < n; i++)
      runs.push(mloAsync(['add', `data/f${i}.csv`, `data/d${i}`], { cwd: dir }).done);
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const ignore = readFileSync(join(dir, 'data/.gitignore'), 'utf8').split('\n');
    for (let i = 0; i < n; i++) {
      expect(ignore).toContain(`/f${i}.csv`);
      expect(ignore).toContain(`/d${i}`);
    }
    const st = parseJson<{ entries: { state: string }[] }>(mlo(['status', '--json'], { cwd: dir }));
    expect(st.entries).toHaveLength(2 * n);
    expect(st.entries.every((e) => e.state === 'ok')).toBe(true);
    expect(mlo(['fsck'], { cwd: dir }).code).toBe(0);
  });
});
