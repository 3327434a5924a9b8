/**
 * `mlo runs list --json` written while SQLite builds it, piece after piece: to a
 * socket (how a Node parent reads a child), a shell pipe and a file the bytes are the
 * document of the listed runs and a newline; a reader that stops early (`| head -c`)
 * ends the command quietly with exit 0.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepo, recordRuns, type RecordedRun } from '../../src/index.js';
import { queryRunRows } from '../../src/store/index.js';
import { parseFilter, parseSortKey } from '../../src/tracking/filter.js';
import { MLO_BIN, makeRepo, mlo } from '../helpers/cli.js';
import { referenceRunsJson } from '../helpers/runs-json.js';

// 2,600 runs of 20 params and 20 metrics: a 2.5 MB document in three pieces, more
// than a pipe or a socket holds, so the writer waits for the reader
const RUNS = 2600;
let dir: string;

function expected(q: { filter?: string; sort?: string[]; limit?: number; experiment?: string }) {
  const repo = openRepo(dir);
  try {
    const rows = queryRunRows(repo.store, {
      experiment: q.experiment,
      filter: q.filter ? parseFilter(q.filter) : undefined,
      sort: (q.sort ?? []).map(parseSortKey),
      limit: q.limit ?? 1e9,
    }).rows;
    return `${referenceRunsJson(rows)}\n`;
  } finally {
    repo.close();
  }
}

const sh = (script: string) =>
  spawnSync('bash', ['-c', `set -o pipefail; ${script}`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', MLO: MLO_BIN },
    maxBuffer: 64 << 20,
  });

beforeAll(() => {
  dir = makeRepo();
  const repo = openRepo(dir);
  const t0 = Date.UTC(2025, 0, 1);
  const runs: RecordedRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    const params: Record<string, string> = { model: ['rf', 'svm', 'ä "q"'][i % 3] };
    for (let k = 1; k < 20; k++) params[`p${k}`] = String((i * k) % 17);
    const metrics: Record<string, number> = {};
    for (let k = 0; k < 20; k++) metrics[`m${k}`] = ((i * 7919 + k * 104729) % 10007) / 10007;
    runs.push({
      name: i % 50 ? `run-${i}` : `"quoted" \\ 😀 ${i}`,
      experiment: ['a', 'ëx'][i % 2],
      status: i % 11 ? 'finished' : 'failed',
      startMs: t0 + i * 1000,
      endMs: t0 + i * 1000 + 250,
      params,
      metrics,
      tags: { team: `t${i % 5}` },
    });
  }
  recordRuns(repo, runs);
  repo.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runs list --json, streamed', () => {
  it('writes the whole document to a socket, a pipe and a file', () => {
    const all = expected({});
    expect(all.length).toBeGreaterThan(2_000_000);
    const r = mlo(['runs', 'list', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(all);
    expect(sh('node "$MLO" runs list --json | cat > piped.json').status).toBe(0);
    expect(readFileSync(join(dir, 'piped.json'), 'utf8')).toBe(all);
    // a file keeps what was in it before when opened to append
    const f = sh('echo first > file.json && node "$MLO" runs list --json >> file.json');
    expect(f.status).toBe(0);
    expect(readFileSync(join(dir, 'file.json'), 'utf8')).toBe(`first\n${all}`);
  });

  it('filters, sorts and limits as before', () => {
    const filter = "metrics.m1 > 0.5 and (params.model in ('rf', 'ä \"q\"') or tags.team = 't1')";
    for (const q of [
      { filter, sort: ['metrics.m2:desc'] },
      { filter, sort: ['params.p3', 'metrics.m4'], limit: 1200 },
      { experiment: 'ëx', limit: 7 },
      { filter: "name = 'none'" },
    ]) {
      const args = ['runs', 'list', '--json'];
      if (q.filter) args.push('-f', q.filter);
      for (const s of q.sort ?? []) args.push('-s', s);
      if (q.limit) args.push('-l', String(q.limit));
      if (q.experiment) args.push('-e', q.experiment);
      const r = mlo(args, { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(expected(q));
    }
    // a bad filter is refused before anything is written
    const bad = mlo(['runs', 'list', '--json', '-f', 'metrics.m1 >'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^error: /);
  });

  it('stops quietly with exit 0 when the reader goes away mid-document', () => {
    const r = sh('node "$MLO" runs list --json | head -c 100');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // head counts bytes; the 100th falls inside no character here
    expect(r.stdout).toBe(Buffer.from(expected({})).subarray(0, 100).toString());
    // pipefail: the exit status is mlo's when head succeeded
    const slow = sh('node "$MLO" runs list --json | (sleep 0.3; head -c 5000 > /dev/null)');
    expect(slow.stderr).toBe('');
    expect(slow.status).toBe(0);
  });
});
