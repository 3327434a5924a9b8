/**
 * The UI's in-memory run table against the SQL behind `mlo runs list`: the same
 * filters, sorts and groups select the same runs in the same order.
 */
import { describe, expect, it } from 'vitest';
import {
  createMlflowHandler,
  parseFieldRef,
  parseFilter,
  parseSortKey,
  recordRuns,
  startRun,
  type RecordedRun,
} from '../../../src/index.js';
import { queryRunOrder, type FieldRef } from '../../../src/store/index.js';
import { RunTable } from '../../../src/ui/runs/table.js';
import { tempRepo } from '../tracking/temp-repo.js';

/** mulberry32: the same store and filters on every run of the test */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const EXPERIMENTS = ['a', 'b', 'B', 'é', 'default', '𝒳'];
const MODELS = ['rf', 'RF', 'svm', 'x_y', '50%', 'a\\b', 'Ä', '10', '9.5', ''];
const LRS = ['0.1', '1e-3', '10', '3', '3.0', 'abc', '-2'];
const TEAMS = ['red', 'Red', 'blue', '7'];

async function seedStore(): Promise<ReturnType<typeof tempRepo>> {
  const repo = tempRepo();
  const r = rng(7);
  const runs: RecordedRun[] = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 300; i++) {
    const params: Record<string, string> = {};
    if (r() < 0.9) params.model = pick(r, MODELS);
    if (r() < 0.8) params.lr = pick(r, LRS);
    const metrics: Record<string, number> = {};
    if (r() < 0.85) metrics.acc = r() < 0.1 ? NaN : Math.round(r() * 20) / 20;
    if (r() < 0.5) metrics.loss = r() * 3;
    const tags: Record<string, string> = {};
    if (r() < 0.7) tags.team = pick(r, TEAMS);
    if (r() < 0.5) tags['mlo.sweep'] = `s${Math.floor(i / 40)}`;
    runs.push({
      name: r() < 0.1 ? 'same-name' : `run-${i}`,
      experiment: pick(r, EXPERIMENTS),
      stage: r() < 0.4 ? undefined : pick(r, ['train', 'eval', 'Train']),
      status: pick(r, ['finished', 'finished', 'failed', 'killed'] as const),
      // some starts collide, so ties fall to seq
      startMs: t0 + Math.floor(r() * 200) * 60_000,
      endMs: t0 + Math.floor(r() * 200) * 60_000 + 1000,
      exitCode: r() < 0.5 ? undefined : pick(r, [0, 1, 2]),
      gitCommit: r() < 0.5 ? undefined : pick(r, ['abc123', 'def456']),
      params,
      metrics,
      tags,
    });
  }
  const ids = recordRuns(repo, runs);
  // running runs (end NULL, duration to now) and a deleted one
  for (const name of ['live-1', 'live-2']) {
    await startRun(repo, { name, experiment: 'a', git: false, attach: false, endOnExit: false });
  }
  const mlflow = createMlflowHandler({ repo });
  const del = await mlflow({
    method: 'POST',
    path: '/api/2.0/mlflow/runs/delete',
    query: new URLSearchParams(),
    body: { run_id: ids[3] },
  });
  expect(del.status).toBe(200);
  return repo;
}

const FIELDS = [
  'metrics.acc',
  'metrics.loss',
  'params.model',
  'params.lr',
  'tags.team',
  'status',
  'experiment',
  'stage',
  'name',
  'commit',
  'start',
  'end',
  'duration',
  'exit_code',
];

function literalFor(r: () => number, field: string): string {
  if (field.startsWith('metrics.') || ['duration', 'exit_code'].includes(field))
    return String(pick(r, [0, 0.5, 1, 2, -1, 0.35]));
  if (field === 'start' || field === 'end') return `'2024-01-01T0${pick(r, [0, 1, 2])}:00Z'`;
  if (field === 'status') return `'${pick(r, ['finished', 'failed', 'killed', 'running'])}'`;
  const pool = [...MODELS, ...LRS, ...TEAMS, ...EXPERIMENTS, 'train', 'abc123', 'run-5'];
  if (r() < 0.25) return String(pick(r, [3, 10, 0.1, 9.5, -2]));
  return `'${pick(r, pool).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function atom(r: () => number): string {
  const f = pick(r, FIELDS);
  const numeric = f.startsWith('metrics.') || ['start', 'end', 'duration', 'exit_code'].includes(f);
  const kind = r();
  if (kind < 0.12) return `${f} is ${r() < 0.5 ? 'not ' : ''}null`;
  if (kind < 0.3) {
    const n = 1 + Math.floor(r() * 3);
    const vals = Array.from({ length: n }, () => literalFor(r, f));
    return `${f} ${r() < 0.4 ? 'not ' : ''}in (${vals.join(', ')})`;
  }
  if (kind < 0.45 && !numeric) {
    const pat = pick(r, ['r%', '%F', '_', '%\\_%', 'a\\\\b', '%0%', '%', 'Ä%', 'ä%', 'e%', '%é']);
    return `${f} ${r() < 0.3 ? 'not ' : ''}${r() < 0.5 ? 'ilike' : 'like'} '${pat}'`;
  }
  return `${f} ${pick(r, ['=', '!=', '<', '<=', '>', '>='])} ${literalFor(r, f)}`;
}

function expr(r: () => number, depth = 0): string {
  const k = r();
  if (depth > 2 || k < 0.45) return atom(r);
  if (k < 0.6) return `not (${expr(r, depth + 1)})`;
  return `(${expr(r, depth + 1)} ${r() < 0.5 ? 'and' : 'or'} ${expr(r, depth + 1)})`;
}

describe('RunTable', () => {
  it('selects and orders runs exactly as the SQL of mlo runs list does', async () => {
    const repo = await seedStore();
    const table = new RunTable(repo.store);
    const r = rng(99);
    const nowMs = Date.now();
    let nonTrivial = 0;
    for (let i = 0; i < 400; i++) {
      const text = expr(r);
      let filter;
      try {
        filter = parseFilter(text);
      } catch {
        continue; // a generated filter the parser refuses (a type rule)
      }
      const sort = Array.from({ length: Math.floor(r() * 3) }, () =>
        parseSortKey(`${pick(r, FIELDS)}:${r() < 0.5 ? 'asc' : 'desc'}`),
      );
      const sql = queryRunOrder(repo.store, { filter, sort, nowMs });
      const mem = table.order({ filter, sort, nowMs });
      expect([...mem.seqs], `${text} sorted by ${JSON.stringify(sort)}`).toEqual([...sql.seqs]);
      if (sql.seqs.length > 0 && sql.seqs.length < 290) nonTrivial++;
    }
    // the generator must produce filters that select some runs and not others
    expect(nonTrivial).toBeGreaterThan(100);
  });

  it('groups as the SQL grouping does, NULL last', async () => {
    const repo = await seedStore();
    const table = new RunTable(repo.store);
    const nowMs = Date.now();
    for (const g of ['experiment', 'stage', 'status', 'tags.mlo.sweep', 'tags.team', 'params.lr']) {
      const group: FieldRef = parseFieldRef(g, 'group');
      const sort = [parseSortKey('metrics.acc:desc')];
      const filter = parseFilter("status != 'killed'");
      const sql = queryRunOrder(repo.store, { filter, sort, nowMs }, group);
      const mem = table.order({ filter, sort, group, nowMs });
      expect([...mem.seqs], g).toEqual([...sql.seqs]);
      expect(mem.groups, g).toEqual(sql.groups);
      expect(mem.groups!.length).toBeGreaterThan(1);
    }
  });

  it('sees runs logged after it loaded, and keeps an ordering until the store changes', async () => {
    const repo = await seedStore();
    const table = new RunTable(repo.store);
    const filter = parseFilter("experiment = 'new'");
    const before = table.order({ filter }, 'k');
    expect(before.seqs.length).toBe(0);
    expect(table.order({ filter }, 'k')).toBe(before);
    recordRuns(repo, [{ experiment: 'new', startMs: Date.now(), metrics: { acc: 1 } }]);
    const after = table.order({ filter }, 'k');
    expect(after.seqs.length).toBe(1);
    expect(after.generation).not.toBe(before.generation);
    const [row] = table.window(after, 0, 10);
    expect(row.experiment).toBe('new');
    expect(JSON.parse(row.metrics_json)).toEqual({ acc: 1 });
  });
});
