/**
 * Runs and the store under contention and hostile input: concurrent writers get
 * distinct steps; a store locked too long, a deeply nested filter and YAML alias
 * bombs are the user's situation (exit 2), not a bug in mlo (exit 3).
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MLO_BIN, ROOT, makeRepo, mlo, parseJson } from '../helpers/cli.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function shell(script: string, cwd: string): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn('sh', ['-c', script], { cwd, stdio: 'ignore', env: { ...process.env } });
    c.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('concurrent writers of one run', () => {
  it('mlo log metric without --step from parallel processes: every point gets its own step', async () => {
    const dir = makeRepo();
    const started = mlo(['exec', '--json', '--', 'true'], { cwd: dir });
    const runId = parseJson<{ id: string }>(started).id;
    const workers = 4;
    const each = 5;
    const m = `${JSON.stringify(process.execPath)} ${JSON.stringify(MLO_BIN)}`;
    const codes = await Promise.all(
      Array.from({ length: workers }, (_, w) =>
        shell(
          `i=0; while [ $i -lt ${each} ]; do ${m} log metric loss ${w}.$i --run ${runId} || exit 1; i=$((i+1)); done`,
          dir,
        ),
      ),
    );
    expect(codes).toEqual(Array(workers).fill(0));
    const h = parseJson<{ points: { step: number }[] }>(
      mlo(['metrics', 'history', runId, 'loss', '--json'], { cwd: dir }),
    );
    const steps = h.points.map((p) => p.step).sort((a, b) => a - b);
    expect(steps).toEqual(Array.from({ length: workers * each }, (_, i) => i));
  });
});

describe("a hostile filter is the user's input, not a bug", () => {
  it('--filter nested 5,000 deep or with 1,100 ands: exit 2 with the reason and column', () => {
    const dir = makeRepo();
    const deep = `${'('.repeat(5000)}metrics.a > 1${')'.repeat(5000)}`;
    const wide = Array.from({ length: 1101 }, (_, i) => `metrics.m${i} > ${i}`).join(' and ');
    for (const [filter, why] of [
      [deep, /^error: filter: nested more than 50 levels deep at column 51$/m],
      [wide, /^error: filter: more than 200 comparisons at column \d+$/m],
    ] as const) {
      const r = mlo(['runs', 'list', '--filter', filter], { cwd: dir });
      expect(r.code, r.stderr.slice(0, 300)).toBe(2);
      expect(r.stderr).toMatch(why);
    }
  });
});

/** A process holding the store's write lock until `release` exists. */
async function holdStoreLock(dir: string, exclusive = false): Promise<() => Promise<void>> {
  const script = `const Database = require(${JSON.stringify(join(ROOT, 'node_modules/better-sqlite3'))});
const fs = require('fs');
const db = new Database('.mlo/mlo.db');
${exclusive ? "db.pragma('locking_mode = EXCLUSIVE');" : ''}
db.exec('BEGIN ${exclusive ? 'EXCLUSIVE' : 'IMMEDIATE'}');
db.exec("INSERT INTO meta (key, value) VALUES ('holder', 'x') ON CONFLICT (key) DO UPDATE SET value = 'y'");
fs.writeFileSync('locked', '');
const t = setInterval(() => { if (fs.existsSync('release')) { clearInterval(t); db.exec('ROLLBACK'); db.close(); } }, 20);`;
  const child = spawn(process.execPath, ['-e', script], { cwd: dir, stdio: 'inherit' });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const end = Date.now() + 20_000;
  while (!existsSync(join(dir, 'locked')) && Date.now() < end) await sleep(20);
  return async () => {
    writeFileSync(join(dir, 'release'), '');
    await exited;
    rmSync(join(dir, 'release'));
    rmSync(join(dir, 'locked'));
  };
}

describe('a store locked by another process', () => {
  it('is named as such (exit 2) once the busy timeout passes, never an internal error', async () => {
    const dir = makeRepo();
    const run = parseJson<{ id: string }>(mlo(['exec', '--json', '--', 'true'], { cwd: dir })).id;
    const release = await holdStoreLock(dir);
    const env = { MLO_BUSY_TIMEOUT_MS: '300' };
    try {
      for (const args of [
        ['log', 'metric', 'loss', '0.5', '--run', run],
        ['exec', '--', 'true'],
        ['runs', 'delete', run],
      ]) {
        const r = mlo(args, { cwd: dir, env });
        expect(r.code, `mlo ${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(
          /^error: the store is locked by another process: \.mlo\/mlo\.db \(waited 0\.3 s; SQLITE_BUSY\)$/m,
        );
        expect(r.stderr).not.toMatch(/internal error/);
      }
      // readers are not blocked by a writer (WAL)
      expect(mlo(['runs', 'list'], { cwd: dir, env }).code).toBe(0);
    } finally {
      await release();
    }
    expect(mlo(['log', 'metric', 'loss', '0.5', '--run', run], { cwd: dir }).code).toBe(0);
  });

  it('an exclusive lock that blocks even reading is named too', async () => {
    const dir = makeRepo();
    const release = await holdStoreLock(dir, true);
    try {
      const r = mlo(['runs', 'list'], { cwd: dir, env: { MLO_BUSY_TIMEOUT_MS: '300' } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: the store is locked by another process: /m);
    } finally {
      await release();
    }
  });
});
