/**
 * The prediction log under the faults that used to cost rows: a store locked by
 * another process (the writer falls behind), and a spool that cannot be written (the
 * stand-in for a full disk: `.mlo/spool` is a file). Real SQLite, real HTTP.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDrift, createBaseline, readPredictions } from '../../../src/index.js';
import { waitUntil } from '../../helpers/held-request.js';
import { FEATURES, metric, repoWithChurn, request, serve } from './helpers.js';

/** `n` single-row requests, 10 at a time; every one must be answered 200. */
async function send(url: string, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i += 10) {
    const answers = await Promise.all(
      Array.from({ length: Math.min(10, from + n - i) }, (_, k) =>
        request(`${url}/predict`, {
          body: { inputs: [[i + k, 1, 2]] },
          headers: { 'x-request-id': `r${i + k}` },
        }),
      ),
    );
    for (const a of answers) expect(a.status).toBe(200);
  }
}

/** Wait until the log has written `rows` rows (flushes run every 200 ms). */
async function written(url: string, rows: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const text = (await request(`${url}/metrics`)).text;
    if (metric(text, 'mlo_serve_prediction_log_written_rows_total') >= rows) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`the log never wrote ${rows} rows`);
}

/** Hold the store's write lock from another connection, as another process would. */
function lockStore(path: string): () => void {
  const db = new Database(path);
  db.exec('BEGIN IMMEDIATE');
  return () => {
    db.exec('COMMIT');
    db.close();
  };
}

describe('prediction log under faults', () => {
  it('a store locked by another process: rows wait in the spool and every one reaches the store', async () => {
    const repo = await repoWithChurn();
    const server = await serve(repo, { logPredictions: true });
    await send(server.url, 20);
    await written(server.url, 20);
    const unlock = lockStore(repo.store.path);
    await send(server.url, 300, 20);
    // a flush while still locked sends rows to the spool
    let during = '';
    await waitUntil('rows in the spool', async () => {
      during = (await request(`${server.url}/metrics`)).text;
      return metric(during, 'mlo_serve_prediction_log_spooled_rows_total') > 0;
    });
    expect(metric(during, 'mlo_serve_prediction_log_dropped_rows_total')).toBe(0);
    expect(metric(during, 'mlo_serve_prediction_log_spooled_rows_total')).toBeGreaterThan(0);
    unlock();
    const summary = await server.close();
    expect(summary.log).toMatchObject({ written: 320, pending: 0, dropped: 0 });
    const rows = readPredictions(repo, { model: 'churn@1' });
    expect(rows).toHaveLength(320);
    expect(new Set(rows.map((r) => r.requestId)).size).toBe(320);
    expect(rows.map((r) => r.inputs.age).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 320 }, (_, i) => i),
    );
  });

  it('only a spool that cannot be written loses rows: counted in /metrics, recorded with their window, stated by drift', async () => {
    const repo = await repoWithChurn();
    writeFileSync(
      join(repo.root, 'train.csv'),
      [FEATURES.join(','), ...Array.from({ length: 200 }, (_, i) => `${i % 40},1,2`)].join('\n') +
        '\n',
    );
    await createBaseline(repo, { name: 'b', data: join(repo.root, 'train.csv'), model: 'churn@1' });
    const server = await serve(repo, { logPredictions: true });
    await send(server.url, 30);
    await written(server.url, 30);
    // the spool's directory cannot be created: every write to it fails, as on a full disk
    writeFileSync(join(repo.root, '.mlo/spool'), 'not a directory\n');
    const before = Date.now();
    const unlock = lockStore(repo.store.path);
    await send(server.url, 50, 30);
    let during = '';
    await waitUntil('50 dropped rows', async () => {
      during = (await request(`${server.url}/metrics`)).text;
      return metric(during, 'mlo_serve_prediction_log_dropped_rows_total') >= 50;
    });
    expect(metric(during, 'mlo_serve_prediction_log_dropped_rows_total')).toBe(50);
    unlock();
    const summary = await server.close();
    expect(summary.log).toMatchObject({ written: 30, dropped: 50, pending: 0 });
    const lost = repo.store.db
      .prepare(
        'SELECT model, version, role, sum(rows) AS rows, min(from_ms) AS fromMs, max(to_ms) AS toMs FROM prediction_log_lost',
      )
      .get() as {
      model: string;
      version: number;
      role: string;
      rows: number;
      fromMs: number;
      toMs: number;
    };
    expect(lost).toMatchObject({ model: 'churn', version: 1, role: 'primary', rows: 50 });
    expect(lost.fromMs).toBeGreaterThanOrEqual(before);
    expect(lost.toMs).toBeLessThanOrEqual(Date.now());

    const { report } = await checkDrift(repo, { model: 'churn@1', predictions: {}, save: false });
    expect(report.current.rows).toBe(30);
    expect(report.current.lost_rows).toBe(50);
    expect(report.warnings).toContain(
      '50 row(s) of this window were lost by the server (the prediction log could not write or spool them): this check saw 30 of 80',
    );
    // a window after the loss lost nothing
    const later = await checkDrift(repo, {
      model: 'churn@1',
      predictions: { since: Date.now() + 1 },
      save: false,
    });
    expect(later.report.current.lost_rows).toBe(0);
  });
});
