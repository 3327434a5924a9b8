/**
 * Runs and the store under contention and hostile input: concurrent writers get
 * distinct steps; a store locked too long, a deeply nested filter and YAML alias
 * bombs are the user's situation (exit 2), not a bug in mlo (exit 3).
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MLO_BIN, makeRepo, mlo, parseJson } from '../helpers/cli.js';

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
