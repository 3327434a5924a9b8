/**
 * Ground truth joined to the prediction log, on a real store: request ids (with the
 * instance index of multi-instance requests), entity keys within a time window,
 * idempotence, corrections, unknown ids, labels that arrive before their predictions,
 * and the transport-independent POST /feedback handler.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addFeedback,
  createFeedbackHandler,
  ingestLabels,
  initRepo,
  openRepo,
  type Repo,
} from '../../../src/index.js';
import { insertPredictionRows, type NewPredictionRow } from '../../../src/store/index.js';

const dirs: string[] = [];
const repos: Repo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freshRepo(): { repo: Repo; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-feedback-'));
  dirs.push(dir);
  initRepo(dir);
  const repo = openRepo(dir);
  repos.push(repo);
  return { repo, dir };
}

function row(
  id: string | null,
  ts: number,
  pred: number,
  p1: number,
  extra: Partial<{
    role: 'primary' | 'shadow';
    route: 'main' | 'canary' | 'shadow';
    version: number;
    inputs: string;
  }> = {},
): NewPredictionRow {
  return [
    ts,
    'churn',
    extra.version ?? 1,
    extra.role ?? 'primary',
    extra.route ?? 'main',
    id,
    1.5,
    extra.inputs ?? `{"age":${ts % 100}}`,
    `{"prediction":${pred},"probabilities":[${1 - p1},${p1}]}`,
  ];
}

interface OutcomeDb {
  pred_id: number;
  request_id: string;
  role: string;
  y_true: number | string;
  y_pred: number;
  p1: number;
}

function outcomes(repo: Repo): OutcomeDb[] {
  return repo.store.db
    .prepare(
      'SELECT pred_id, request_id, role, y_true, y_pred, p1 FROM prediction_outcomes ORDER BY pred_id',
    )
    .all() as OutcomeDb[];
}

describe('feedback by request id', () => {
  it('joins labels to the logged rows, counts unknown ids, and feeding twice changes nothing', () => {
    const { repo } = freshRepo();
    insertPredictionRows(repo.store, [
      row('r1', 1000, 1, 0.9),
      row('r2', 1001, 0, 0.2),
      row('r3', 1002, 1, 0.7),
    ]);
    const labels = [
      { requestId: 'r1', label: 1 },
      { requestId: 'r2', label: 1 },
      { requestId: 'nope', label: 0 },
    ];
    const first = ingestLabels(repo, labels);
    expect(first).toMatchObject({
      received: 3,
      new: 3,
      changed: 0,
      unchanged: 0,
      joined: 2,
      rows: 2,
      unknown: 1,
    });
    expect(first.unknownExamples).toEqual(['nope']);
    const before = outcomes(repo);
    expect(before.map((o) => [o.request_id, o.y_true, o.y_pred, o.p1])).toEqual([
      ['r1', 1, 1, 0.9],
      ['r2', 1, 0, 0.2],
    ]);
    const again = ingestLabels(repo, labels);
    expect(again).toMatchObject({ new: 0, changed: 0, unchanged: 3, joined: 2, unknown: 1 });
    expect(outcomes(repo)).toEqual(before);
    const labelRows = repo.store.db.prepare('SELECT count(*) FROM feedback_labels').pluck().get();
    expect(labelRows).toBe(3);
  });

  it('a corrected label replaces the old one and its join; duplicates in one feed keep the last', () => {
    const { repo } = freshRepo();
    insertPredictionRows(repo.store, [row('r1', 1000, 1, 0.9), row('r2', 1001, 0, 0.2)]);
    ingestLabels(repo, [{ requestId: 'r1', label: 1 }]);
    const r = ingestLabels(repo, [
      { requestId: 'r1', label: 1 },
      { requestId: 'r1', label: 0 },
      { requestId: 'r2', label: 0 },
    ]);
    expect(r).toMatchObject({ received: 2, duplicates: 1, new: 1, changed: 1, unchanged: 0 });
    expect(outcomes(repo).map((o) => [o.request_id, o.y_true])).toEqual([
      ['r1', 0],
      ['r2', 0],
    ]);
  });

  it('labels a request’s shadow answer too, and a retried request by its latest answer', () => {
    const { repo } = freshRepo();
    insertPredictionRows(repo.store, [
      row('r1', 1000, 1, 0.9),
      row('r1', 1003, 0, 0.4, { role: 'shadow', route: 'shadow', version: 2 }),
      row('r2', 1000, 1, 0.6),
      row('r2', 2000, 0, 0.3), // the client retried r2
    ]);
    const r = ingestLabels(repo, [
      { requestId: 'r1', label: 1 },
      { requestId: 'r2', label: 0 },
    ]);
    expect(r).toMatchObject({ joined: 2, rows: 3, unknown: 0, ambiguous: 0 });
    expect(outcomes(repo).map((o) => [o.request_id, o.role, o.y_pred])).toEqual([
      ['r1', 'primary', 1],
      ['r1', 'shadow', 0],
      ['r2', 'primary', 0],
    ]);
  });

  it('multi-instance requests join by index; without one the label is ambiguous', () => {
    const { repo } = freshRepo();
    insertPredictionRows(repo.store, [
      row('batch', 1000, 0, 0.1),
      row('batch', 1000, 1, 0.8),
      row('batch', 1000, 1, 0.9),
    ]);
    const r = ingestLabels(repo, [
      { requestId: 'batch', index: 2, label: 0 },
      { requestId: 'batch', index: 0, label: 1 },
      { requestId: 'batch', label: 1 },
      { requestId: 'batch', index: 7, label: 1 },
    ]);
    expect(r).toMatchObject({ received: 4, joined: 2, unknown: 0, ambiguous: 2 });
    expect(outcomes(repo).map((o) => [o.p1, o.y_true])).toEqual([
      [0.1, 1],
      [0.9, 0],
    ]);
  });

  it('a label that arrives before its prediction joins when the prediction is logged', () => {
    const { repo } = freshRepo();
    insertPredictionRows(repo.store, [row('r1', 1000, 1, 0.9)]);
    expect(ingestLabels(repo, [{ requestId: 'late', label: 1 }])).toMatchObject({
      unknown: 1,
      joined: 0,
    });
    insertPredictionRows(repo.store, [row('late', 5000, 0, 0.4)]);
    const r = ingestLabels(repo, [{ requestId: 'r1', label: 0 }]);
    expect(r).toMatchObject({ new: 1, joined: 1 });
    expect(outcomes(repo).map((o) => [o.request_id, o.y_true])).toEqual([
      ['r1', 0],
      ['late', 1],
    ]);
  });
});

describe('feedback by entity and time window', () => {
  it('joins the latest prediction for the entity before the label time, within the window', () => {
    const { repo } = freshRepo();
    const h = 3_600_000;
    const t0 = Date.UTC(2025, 0, 1);
    const inputs = (c: string): string => `{"customer_id":"${c}","age":40}`;
    insertPredictionRows(repo.store, [
      row('a', t0, 0, 0.1, { inputs: inputs('c1') }),
      row('b', t0 + 2 * h, 1, 0.8, { inputs: inputs('c1') }),
      row('b', t0 + 2 * h + 5, 1, 0.7, {
        inputs: inputs('c1'),
        role: 'shadow',
        route: 'shadow',
        version: 2,
      }),
      row('c', t0 + 5 * h, 1, 0.6, { inputs: inputs('c1') }), // after the label: not it
      row('d', t0, 1, 0.9, { inputs: inputs('c2') }),
    ]);
    const r = ingestLabels(
      repo,
      [
        { entity: 'c1', time: t0 + 3 * h, label: 1 },
        { entity: 'c2', time: t0 + 30 * h, label: 0 }, // 30h later: outside a 24h window
        { entity: 'c3', time: t0, label: 0 },
      ],
      { entityFeature: 'customer_id', window: '24h' },
    );
    expect(r).toMatchObject({ mode: 'entity', received: 3, joined: 1, rows: 2, unknown: 2 });
    expect(outcomes(repo).map((o) => [o.request_id, o.role, o.p1])).toEqual([
      ['b', 'primary', 0.8],
      ['b', 'shadow', 0.7],
    ]);
    expect(
      ingestLabels(repo, [{ entity: 'c1', time: t0 + 3 * h, label: 1 }], {
        entityFeature: 'customer_id',
        window: '24h',
      }),
    ).toMatchObject({ unchanged: 1, joined: 1 });
  });
});

describe('mlo feedback add (file)', () => {
  it('reads CSV: ids stay text, booleans and epoch-second times are understood, bad rows are counted', async () => {
    const { repo, dir } = freshRepo();
    insertPredictionRows(repo.store, [row('007', 1000, 1, 0.9), row('8', 1001, 0, 0.1)]);
    writeFileSync(
      join(dir, 'labels.csv'),
      'request_id,outcome,seen_at\n007,true,1740823200\n8,false,1740823201\n,true,1\n9,,1\n',
    );
    const r = await addFeedback(repo, {
      file: 'labels.csv',
      cwd: dir,
      id: 'request_id',
      label: 'outcome',
      time: 'seen_at',
    });
    expect(r).toMatchObject({ received: 2, joined: 2, skipped: { noKey: 1, noLabel: 1 } });
    const stored = repo.store.db
      .prepare('SELECT request_id, label, event_ms FROM feedback_labels ORDER BY request_id')
      .all();
    expect(stored).toEqual([
      { request_id: '007', label: 'true', event_ms: 1740823200000 },
      { request_id: '8', label: 'false', event_ms: 1740823201000 },
    ]);
  });

  it('refuses a missing column and conflicting flags with one clear error', async () => {
    const { repo, dir } = freshRepo();
    writeFileSync(join(dir, 'labels.csv'), 'request_id,outcome\nr1,1\n');
    await expect(
      addFeedback(repo, { file: 'labels.csv', cwd: dir, id: 'rid', label: 'outcome' }),
    ).rejects.toThrow(/rid/);
    await expect(
      addFeedback(repo, { file: 'labels.csv', cwd: dir, label: 'outcome' }),
    ).rejects.toThrow(/--id COLUMN .* or --entity/);
    await expect(
      addFeedback(repo, { file: 'labels.csv', cwd: dir, entity: 'request_id', label: 'outcome' }),
    ).rejects.toThrow(/--time/);
  });
});

describe('POST /feedback handler', () => {
  it('answers 200 with the counts, 400 for a malformed body, 405 for GET, 413 past the limit', () => {
    const { repo } = freshRepo();
    insertPredictionRows(repo.store, [row('r1', 1000, 1, 0.9)]);
    const handle = createFeedbackHandler(repo, { maxLabels: 2 });
    const ok = handle({ method: 'POST', body: { labels: [{ request_id: 'r1', label: 1 }] } });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ new: 1, joined: 1, source: 'http' });
    expect(handle({ method: 'GET' }).status).toBe(405);
    const bad = handle({ method: 'POST', body: { labels: [{ request_id: 'r1' }] } });
    expect(bad).toMatchObject({ status: 400, json: { error: { code: 'INVALID' } } });
    expect(String((bad.json as { error: { message: string } }).error.message)).toMatch(
      /labels\[0\]\.label/,
    );
    expect(handle({ method: 'POST', body: { labels: [], extra: 1 } }).status).toBe(400);
    const big = handle({
      method: 'POST',
      body: [1, 2, 3].map((i) => ({ request_id: `x${i}`, label: 1 })),
    });
    expect(big.status).toBe(413);
  });
});
