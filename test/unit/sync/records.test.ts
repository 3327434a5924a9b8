/**
 * Records as they travel between stores: every kind read from one store and written
 * to another comes back equal; copies are read-only where they land; a store never
 * lets a copy overwrite its own record, nor a push overwrite another store's; a
 * record that arrives before what it refers to waits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyRecord,
  appendAliasEvent,
  applyRegistryEdit,
  ensureModelRow,
  finishRun,
  insertBaseline,
  insertDriftReport,
  insertEvaluation,
  insertRun,
  insertValidation,
  insertVersionRow,
  openStore,
  readRecord,
  readSyncLog,
  storeOrigin,
  writeAliasRow,
  type RecordKind,
  type Store,
  type SyncRecord,
} from '../../../src/store/index.js';
import { applyPush, ingestPredictionBatch } from '../../../src/sync/index.js';

const dirs: string[] = [];
function store(): Store {
  const d = mkdtempSync(join(tmpdir(), 'mlo-sync-'));
  dirs.push(d);
  return openStore(join(d, 'mlo.db'));
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const RUN_ID = '0123456789abcdef0123456789abcdef';

/** One record of every kind, written the way the capabilities write them. */
function fill(s: Store): void {
  const seq = insertRun(s, { id: RUN_ID, name: 'r', experiment: 'exp', startMs: 1000, host: 'h' });
  const steps = Float64Array.from([0, 1, 1, 2]);
  finishRun(
    s,
    seq,
    { status: 'finished', endMs: 2000, exitCode: 0 },
    {
      params: [['lr', '0.1']],
      tags: [['team', 'blue']],
      series: [
        {
          key: 'loss',
          n: 4,
          steps,
          ts: steps.map((x) => 1000 + x),
          vals: Float64Array.from([1, NaN, 0.5, 0.25]),
        },
      ],
      artifacts: [{ name: 'model.onnx', hash: 'f'.repeat(64), size: 10, type: 'file' }],
      io: [{ role: 'input', path: 'data.csv', hash: 'e'.repeat(64), size: 5, type: 'file' }],
    },
  );
  s.db.transaction(() => {
    const m = ensureModelRow(s, 'churn', 1000);
    insertVersionRow(s, m, {
      name: 'churn',
      hash: 'd'.repeat(64),
      size: 100,
      created_ms: 1000,
      created_by: 'alice',
      source: 'm.onnx',
      run_id: RUN_ID,
      git_commit: null,
      git_dirty: null,
      signature_json: '{"inputs":[]}',
      features_json: '["a","b"]',
      features_source: 'flag',
      metrics_json: '{"auc":0.9}',
      tags_json: '{}',
      lineage_json: '{}',
    });
    writeAliasRow(s, m, 'champion', 1, 1500);
    appendAliasEvent(s, m, {
      alias: 'champion',
      action: 'set',
      outcome: 'moved',
      from_version: null,
      to_version: 1,
      who: 'alice',
      at_ms: 1500,
      git_commit: null,
      gates_json: null,
      detail_json: null,
    });
  })();
  applyRegistryEdit(s, {
    modelId: 1,
    version: 1,
    action: 'tag',
    key: 'k',
    newValue: 'v',
    who: 'alice',
    nowMs: 1600,
  });
  const versionId = s.db.prepare('SELECT id FROM model_versions').pluck().get() as number;
  insertEvaluation(s, {
    version_id: versionId,
    data_hash: 'c'.repeat(64),
    data_path: 'holdout.csv',
    target: 'y',
    features_json: '["a","b"]',
    task: 'binary',
    rows: 10,
    metrics_json: '{"auc":0.9}',
    reasons_json: '{}',
    detail_json: '{}',
    slices_json: '{}',
    created_ms: 1700,
  });
  const baselineId = insertBaseline(
    s,
    {
      name: 'churn@1',
      createdMs: 1800,
      source: 'train.csv',
      sourceHash: 'b'.repeat(64),
      sourceFormat: 'csv',
      rows: 10,
      model: { name: 'churn', version: 1 },
      target: 'y',
      prediction: null,
      meta: { k: 1 },
    },
    [
      {
        position: 0,
        name: 'a',
        kind: 'numeric',
        role: 'feature',
        sourceKind: 'number',
        kindSource: 'inferred',
        profile: new Uint8Array([1, 2, 3]),
      },
    ],
  );
  insertDriftReport(
    s,
    {
      baselineName: 'churn@1',
      baselineId,
      createdMs: 1900,
      source: 'today.csv',
      sourceHash: null,
      rows: 5,
      datasetDrift: true,
      driftShare: 1,
      driftedColumns: 1,
      checkedColumns: 1,
      json: '{"x":1}',
    },
    [{ position: 0, name: 'a', test: 'ks', score: 0.01, threshold: 0.05, drifted: true, psi: 0.3 }],
  );
  insertValidation(s, {
    suite: 'raw',
    suite_hash: 'a'.repeat(64),
    data_path: 'raw.csv',
    data_hash: 'a'.repeat(64),
    rows: 10,
    success: 1,
    evaluated: 2,
    successful: 2,
    unsuccessful: 0,
    warnings: 0,
    result: '{"success":true}',
    created_at: '2026-01-01T00:00:00Z',
  });
}

function records(s: Store): SyncRecord[] {
  return readSyncLog(s, 0, 1000).map((r) => readRecord(s, r.kind as RecordKind, r.key));
}

describe('sync records', () => {
  it('every kind read from one store and written to another reads back equal', () => {
    const a = store();
    const b = store();
    fill(a);
    const all = records(a);
    expect(new Set(all.map((r) => r.kind))).toEqual(
      new Set([
        'run',
        'model',
        'version',
        'alias_event',
        'registry_event',
        'evaluation',
        'baseline',
        'drift_report',
        'validation',
      ]),
    );
    b.db.transaction(() => {
      for (const r of all) {
        const outcome = applyRecord(b, r, { origin: r.origin, mode: 'pull' });
        expect(['applied', 'unchanged'], `${r.kind}: ${JSON.stringify(outcome)}`).toContain(
          outcome.status,
        );
      }
    })();
    for (const r of all) expect(readRecord(b, r.kind, r.key), r.kind).toEqual(r);
    // the series came through point by point, NaN and repeated steps included
    const chunk = b.db.prepare('SELECT vals FROM run_metric_chunks').pluck().get() as Buffer;
    const vals = new Float64Array(
      chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.length),
    );
    expect([...vals].map((v) => (Number.isNaN(v) ? 'NaN' : v))).toEqual([1, 'NaN', 0.5, 0.25]);
    // the copies keep the creator's origin
    expect(b.db.prepare('SELECT origin FROM runs').pluck().get()).toBe(storeOrigin(a));
  });

  it("a pull never overwrites this store's own record; a push never overwrites another store's", () => {
    const a = store();
    const b = store();
    fill(a);
    fill(b); // b made a run with the same id itself
    const run = readRecord(a, 'run', RUN_ID);
    const pulled = applyRecord(
      b,
      { ...run, data: { ...run.data, name: 'changed' } },
      { origin: run.origin, mode: 'pull' },
    );
    expect(pulled.status).toBe('skipped');
    expect(readRecord(b, 'run', RUN_ID).data!.name).toBe('r');

    const server = store();
    const other = 'c'.repeat(32);
    expect(applyRecord(server, run, { origin: run.origin, mode: 'push' }).status).toBe('applied');
    const stolen = applyRecord(
      server,
      { ...run, data: { ...run.data, name: 'x' } },
      { origin: other, mode: 'push' },
    );
    expect(stolen).toMatchObject({ status: 'refused' });
    expect(readRecord(server, 'run', RUN_ID).data!.name).toBe('r');
  });

  it('a record that arrives before the model version it refers to waits (pending)', () => {
    const a = store();
    const b = store();
    fill(a);
    const evaluation = records(a).find((r) => r.kind === 'evaluation')!;
    expect(applyRecord(b, evaluation, { origin: evaluation.origin, mode: 'pull' }).status).toBe(
      'pending',
    );
    for (const r of records(a).filter((x) => x.kind === 'version')) {
      applyRecord(b, r, { origin: r.origin, mode: 'pull' });
    }
    expect(applyRecord(b, evaluation, { origin: evaluation.origin, mode: 'pull' }).status).toBe(
      'applied',
    );
  });
});

describe('applyPush', () => {
  it('binds a pushing store to the identity of its first push, skips unchanged records, refuses registry kinds and malformed records one by one', () => {
    const a = store();
    const server = store();
    fill(a);
    const origin = storeOrigin(a);
    const all = records(a);
    const first = applyPush(server, { origin, records: all }, 'alice');
    // the registry changes through its own API; the evaluation and the baseline name a
    // model version this server does not have (it holds the registry of record)
    expect(first.refused.map((r) => r.kind).sort()).toEqual([
      'alias_event',
      'baseline',
      'evaluation',
      'model',
      'registry_event',
      'version',
    ]);
    expect(first.refused.find((r) => r.kind === 'evaluation')!.reason).toMatch(
      /model version churn@1 \([0-9a-f]{8}\) is not here/,
    );
    expect(first.applied).toBe(3); // the run, the drift report, the validation
    const again = applyPush(
      server,
      { origin, records: all.filter((r) => r.kind === 'run') },
      'alice',
    );
    expect(again).toMatchObject({ applied: 0, unchanged: 1 });
    expect(() => applyPush(server, { origin, records: [] }, 'mallory')).toThrow(
      /pushes as alice, not mallory/,
    );
    const mixed = applyPush(
      server,
      {
        origin,
        records: [
          { kind: 'validation', key: 'f'.repeat(32), origin, data: { suite: null } },
          all.find((r) => r.kind === 'validation')!,
        ],
      },
      'alice',
    );
    expect(mixed.refused).toHaveLength(1);
    expect(mixed.refused[0].reason).toMatch(/malformed validation/);
  });
});

describe('prediction-log ingest', () => {
  const row = (i: number) => ({
    ts_ms: 1000 + i,
    model: 'churn',
    version: 1,
    inputs: { a: i },
    outputs: { prediction: 1 },
    seq: i,
  });
  it('counts a batch once however often it is sent, and refuses a batch with a bad row whole', () => {
    const server = store();
    const origin = '1'.repeat(32);
    expect(ingestPredictionBatch(server, { origin, batch: 'b1', rows: [row(0), row(1)] })).toEqual({
      accepted: 2,
      duplicate: false,
      rows: 2,
    });
    expect(ingestPredictionBatch(server, { origin, batch: 'b1', rows: [row(0), row(1)] })).toEqual({
      accepted: 0,
      duplicate: true,
      rows: 2,
    });
    // the same rows under a new batch id: known by their sequence numbers
    expect(
      ingestPredictionBatch(server, { origin, batch: 'b2', rows: [row(1), row(2)] }),
    ).toMatchObject({ accepted: 1 });
    expect(() =>
      ingestPredictionBatch(server, {
        origin,
        batch: 'b3',
        rows: [row(3), { ...row(4), version: 0 }],
      }),
    ).toThrow(/rows\[1\]: version must be a positive integer/);
    expect(server.db.prepare('SELECT count(*) FROM prediction_log').pluck().get()).toBe(3);
  });
});
