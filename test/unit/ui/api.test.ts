/**
 * The UI's JSON API on a store made with the library (test/helpers/ui-store.ts),
 * called through the transport-independent handler, as `mlo server` would mount it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUiHandler, type UiHandler, type UiResponse } from '../../../src/index.js';
import {
  makeUiStore,
  SERVED_LABEL,
  SERVED_PREDICTION,
  type UiStore,
} from '../../helpers/ui-store.js';

let s: UiStore;
let ui: UiHandler;

beforeAll(async () => {
  s = await makeUiStore();
  ui = createUiHandler({ repo: s.repo });
});
afterAll(() => {
  ui.close();
  s.cleanup();
});

async function get(
  path: string,
  query: Record<string, string | string[]> = {},
): Promise<UiResponse> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const x of [v].flat()) q.append(k, x);
  return ui({ method: 'GET', path, query: q });
}

async function json<T>(path: string, query: Record<string, string | string[]> = {}): Promise<T> {
  const r = await get(path, query);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json as T;
}

interface Page {
  total: number;
  rows: { id: string; name: string; values: (string | number | null)[] }[];
  groups?: { value: string | null; count: number }[];
}

describe('runs', () => {
  it('answers a window of the filtered, sorted runs with the chosen columns', async () => {
    const page = await json<Page>('/api/ui/runs', {
      filter: "params.model = 'gbt' or tags.team = 'red'",
      sort: 'metrics.accuracy:desc',
      col: ['metrics.accuracy', 'params.lr'],
      limit: '3',
    });
    // train-main (red), 20 filler runs (red), the 2 gbt sweep runs
    expect(page.total).toBe(23);
    expect(page.rows).toHaveLength(3);
    const acc = page.rows.map((r) => r.values[0] as number);
    expect([...acc].sort((a, b) => b - a)).toEqual(acc);
    expect(page.rows[0].values[0]).toBe(0.9);
    const next = await json<Page>('/api/ui/runs', {
      filter: "params.model = 'gbt' or tags.team = 'red'",
      sort: 'metrics.accuracy:desc',
      col: ['metrics.accuracy'],
      offset: '20',
      limit: '10',
    });
    expect(next.rows).toHaveLength(3);
  });

  it('groups by sweep and by experiment', async () => {
    const bySweep = await json<Page>('/api/ui/runs', { group: 'sweep', limit: '0' });
    expect(bySweep.groups).toEqual([
      { value: 'sweep-1', count: 2 },
      { value: null, count: bySweep.total - 2 },
    ]);
    const byExp = await json<Page>('/api/ui/runs', { group: 'experiment', limit: '0' });
    expect(byExp.groups?.map((g) => g.value)).toEqual(['baseline-models', 'churn', 'churn-v2']);
  });

  it('says what is wrong with a filter, with the caret', async () => {
    const r = await get('/api/ui/runs', { filter: 'metrics.acc >' });
    expect(r.status).toBe(400);
    const err = (r.json as { error: { code: string; message: string; hint: string } }).error;
    expect(err.code).toBe('USAGE');
    expect(err.message).toMatch(/expected a value .* at column 14/);
    expect(err.hint).toContain('^');
  });

  it('lists the keys a column picker offers', async () => {
    const keys = await json<{ params: string[]; metrics: string[]; tags: string[] }>(
      '/api/ui/keys',
    );
    expect(keys.params).toEqual(['depth', 'lr', 'model']);
    expect(keys.metrics).toEqual(['accuracy', 'loss']);
    expect(keys.tags).toEqual(['mlo.sweep', 'team']);
  });
});

describe('a run', () => {
  it('links its input to the pointer file at the run commit', async () => {
    const run = await json<{
      inputs: { path: string; hash: string }[];
      pointers: Record<string, { pointer: string; commitHash: string; matchesCommit: boolean }>;
      git: { commit: string };
      logTail: string;
      exitCode: number;
    }>(`/api/ui/runs/${s.trainRun}`);
    expect(run.inputs.map((i) => i.path)).toEqual(['train.csv']);
    expect(run.pointers['train.csv']).toMatchObject({
      pointer: 'train.csv.mlo',
      commitHash: run.inputs[0].hash,
      matchesCommit: true,
    });
    expect(run.git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(run.logTail).toContain('done');
    expect(run.exitCode).toBe(0);
  });

  it('thins a long series to the points asked for, keeping the extremes', async () => {
    const full = await json<{ series: { step: number[]; value: number[]; total: number }[] }>(
      '/api/ui/series',
      {
        run: s.sweepRuns[0],
        key: 'loss',
        maxPoints: '0',
      },
    );
    expect(full.series[0].step).toHaveLength(200);
    const thin = await json<{
      series: { step: number[]; value: number[]; thinned: boolean; total: number }[];
    }>('/api/ui/series', { run: s.sweepRuns, key: 'loss', maxPoints: '50' });
    expect(thin.series).toHaveLength(2);
    for (const x of thin.series) {
      expect(x.total).toBe(200);
      expect(x.thinned).toBe(true);
      expect(x.step.length).toBeLessThanOrEqual(50);
      expect(x.step[0]).toBe(0);
      expect(x.step[x.step.length - 1]).toBe(199);
      expect(Math.max(...x.value)).toBe(1);
    }
  });

  it('serves images as images, text as plain text, and never an SVG as a document', async () => {
    const list = await json<{ files: { path: string; preview: string }[] }>(
      `/api/ui/runs/${s.trainRun}/artifacts`,
    );
    expect(Object.fromEntries(list.files.map((f) => [f.path, f.preview]))).toEqual({
      'confusion.png': 'image',
      'evil.svg': 'text',
      'notes.txt': 'text',
    });
    const img = await get(`/api/ui/runs/${s.trainRun}/artifact`, { path: 'confusion.png' });
    expect(img.headers?.['content-type']).toBe('image/png');
    expect(img.headers?.['content-security-policy']).toContain('sandbox');
    const svg = await get(`/api/ui/runs/${s.trainRun}/artifact`, { path: 'evil.svg' });
    expect(svg.headers?.['content-type']).toBe('text/plain; charset=utf-8');
    expect(svg.headers?.['x-content-type-options']).toBe('nosniff');
    const dl = await get(`/api/ui/runs/${s.trainRun}/artifact`, {
      path: 'evil.svg',
      download: '1',
    });
    expect(dl.headers?.['content-disposition']).toMatch(/^attachment; filename="evil.svg"/);
    expect(dl.headers?.['content-type']).toBe('application/octet-stream');
  });

  it('refuses artifact paths that are not the run artifacts', async () => {
    for (const path of ['../mlo.db', '/etc/passwd', '../../.mlo/mlo.db', 'notes.txt/../../x']) {
      const r = await get(`/api/ui/runs/${s.trainRun}/artifact`, { path });
      expect(r.status, path).toBe(404);
      expect(r.file).toBeUndefined();
    }
  });
});

describe('models', () => {
  it('draws a version lineage: data, run, model, aliases, serving', async () => {
    const v = await json<{
      lineageGraph: {
        nodes: { id: string; kind: string }[];
        edges: { from: string; to: string }[];
      };
      evaluationResults: { slices: Record<string, { gaps: Record<string, { value: number }> }> }[];
    }>('/api/ui/models/churn/versions/1');
    const kinds = v.lineageGraph.nodes.map((n) => `${n.kind}:${n.id.split(':')[1]?.split('@')[0]}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'model:churn',
        'run:' + s.trainRun,
        'data:train.csv',
        'alias:champion',
        'serving:main',
      ]),
    );
    expect(v.lineageGraph.edges).toEqual(
      expect.arrayContaining([
        { from: `run:${s.trainRun}`, to: 'model:churn@1', label: 'produced' },
        { from: 'alias:champion', to: 'serving:main' },
      ]),
    );
    const gap = v.evaluationResults[0].slices.region.gaps.accuracy;
    expect(typeof gap.value).toBe('number');
  });

  it('lists the alias audit with who and gate results', async () => {
    const m = await json<{
      audit: { alias: string; outcome: string; who: string; gates: unknown[] | null }[];
    }>('/api/ui/models/churn');
    expect(m.audit.map((e) => [e.alias, e.outcome])).toEqual([
      ['champion', 'moved'],
      ['champion', 'rejected'],
      ['staging', 'moved'],
    ]);
    expect(m.audit[1].gates).toHaveLength(2);
    expect(m.audit[0].who).toBeTruthy();
  });

  it('previews a promotion without moving the alias or auditing it', async () => {
    const r = await ui({
      method: 'POST',
      path: '/api/ui/models/churn/versions/2/promotion-preview',
      query: new URLSearchParams(),
      body: { to: 'champion' },
    });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    const p = r.json as {
      dryRun: boolean;
      promoted: boolean;
      gates: { gate: string; passed: boolean }[];
    };
    expect(p.dryRun).toBe(true);
    expect(p.gates.map((g) => g.gate)).toEqual(['accuracy >= 0.6', 'gap(accuracy, region) <= 0.5']);
    const m = await json<{ audit: unknown[]; versions: { version: number; aliases: string[] }[] }>(
      '/api/ui/models/churn',
    );
    expect(m.audit).toHaveLength(3);
    expect(m.versions.find((v) => v.version === 1)?.aliases).toContain('champion');
    const ro = createUiHandler({ repo: s.repo, readOnly: true });
    const refused = await ro({
      method: 'POST',
      path: '/api/ui/models/churn/versions/2/promotion-preview',
      query: new URLSearchParams(),
      body: { to: 'champion' },
    });
    ro.close();
    expect(refused.status).toBe(403);
  });
});

describe('data quality and serving', () => {
  it('shows the failing values of a validation and the per-column drift report', async () => {
    const v = await json<{
      success: boolean;
      results: { success: boolean; result: { partial_unexpected_list?: unknown[] } }[];
    }>(`/api/ui/validations/${s.validation}`);
    expect(v.success).toBe(false);
    const failing = v.results.find((r) => !r.success);
    expect(failing?.result.partial_unexpected_list?.length).toBeGreaterThan(0);
    const h = await json<{ reports: { id: number }[] }>('/api/ui/drift/reference');
    expect(h.reports.map((r) => r.id)).toEqual([s.driftReport]);
    const d = await json<{ columns: { column: string; drifted: boolean }[] }>(
      `/api/ui/drift-reports/${s.driftReport}`,
    );
    expect(d.columns.find((c) => c.column === 'x1')?.drifted).toBe(true);
  });

  it('summarises the prediction log per version', async () => {
    const r = await json<{
      versions: {
        version: number;
        rows: number;
        requests: number;
        latencyMs: { p50: number; p99: number };
        predictions: { kind: string; counts: { label: string; count: number }[] };
      }[];
    }>('/api/ui/serving', { model: 'churn' });
    expect(r.versions).toHaveLength(1);
    const [v] = r.versions;
    expect(v).toMatchObject({ version: 1, rows: 120, requests: 60 });
    // latencies 2..11 ms, six requests each
    expect(v.latencyMs.p50).toBe(6);
    expect(v.latencyMs.p99).toBe(11);
    expect(v.predictions.kind).toBe('labels');
    expect(v.predictions.counts.reduce((a, c) => a + c.count, 0)).toBe(120);
  });

  it('gives error rates from the request counts and live performance from mlo perf', async () => {
    const r = await json<{
      errors: {
        available: boolean;
        versions: { version: number; requests: number; errorRate: number }[];
      };
      performance: {
        labelled: number;
        metrics: Record<string, { value: number; low: number; high: number }>;
      }[];
    }>('/api/ui/serving', { model: 'churn' });
    expect(r.errors.available).toBe(true);
    expect(r.errors.versions).toEqual([
      { version: 1, requests: 200, serverErrors: 3, rejected: 7, errorRate: (3 + 7) / 200 },
    ]);
    expect(r.performance).toHaveLength(1);
    const [p] = r.performance;
    expect(p.labelled).toBe(120);
    // accuracy of the logged answers against the labels, counted here from their rules
    let right = 0;
    for (let i = 0; i < 60; i++)
      for (let k = 0; k < 2; k++) if (SERVED_PREDICTION(i, k) === SERVED_LABEL(i)) right++;
    expect(p.metrics.accuracy.value).toBeCloseTo(right / 120, 12);
    expect(p.metrics.accuracy.low).toBeLessThan(p.metrics.accuracy.value);
    expect(p.metrics.accuracy.high).toBeGreaterThan(p.metrics.accuracy.value);
  });
});

describe('the handler', () => {
  it('serves the MLflow API beside its own, and refuses MLflow writes when read-only', async () => {
    const exps = await ui({
      method: 'POST',
      path: '/api/2.0/mlflow/experiments/search',
      query: new URLSearchParams(),
      body: { max_results: 100 },
    });
    const ids = (
      exps.json as { experiments: { experiment_id: string; name: string }[] }
    ).experiments
      .filter((e) => e.name.startsWith('churn'))
      .map((e) => e.experiment_id);
    expect(ids).toHaveLength(2);
    const r = await ui({
      method: 'POST',
      path: '/api/2.0/mlflow/runs/search',
      query: new URLSearchParams(),
      body: { experiment_ids: ids, filter: "params.model = 'gbt'" },
    });
    expect(r.status).toBe(200);
    expect((r.json as { runs: unknown[] }).runs).toHaveLength(2);
    const ro = createUiHandler({ repo: s.repo, readOnly: true });
    const create = await ro({
      method: 'POST',
      path: '/api/2.0/mlflow/runs/create',
      query: new URLSearchParams(),
      body: {},
    });
    const search = await ro({
      method: 'POST',
      path: '/api/2.0/mlflow/runs/search',
      query: new URLSearchParams(),
      body: {},
    });
    ro.close();
    expect(create.status).toBe(403);
    expect(search.status).toBe(200);
  });

  it('answers unknown API paths with a JSON 404 and never serves files outside dist/ui', async () => {
    expect((await get('/api/ui/nope')).status).toBe(404);
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/%00']) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
    }
  });
});
