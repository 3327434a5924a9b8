/**
 * A run search driven from an index (a selective condition names few runs) finds the
 * same runs, in the same order, with the same total, as the walk over every run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, queryRunRows, type FilterExpr, type Store } from '../../../src/store/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const RUNS = 5000;

/** Runs whose auc is i / RUNS, lr a number param, model a text param, and a tag. */
function seeded(): Store {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-search-'));
  dirs.push(dir);
  const store = openStore(join(dir, 'mlo.db'));
  const db = store.db;
  const run = db.prepare(
    `INSERT INTO runs (id, name, experiment, status, start_ms, host, params_json, metrics_json, tags_json)
     VALUES (?, ?, 'e', 'finished', ?, 'h', '{}', '{}', '{}')`,
  );
  const metric = db.prepare(
    'INSERT INTO run_latest_metrics (run, key, value, step, ts) VALUES (?, ?, ?, 0, 0)',
  );
  const param = db.prepare('INSERT INTO run_params (run, key, value, num) VALUES (?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < RUNS; i++) {
      // start times out of insertion order, so order by start is not order by seq
      const seq = Number(
        run.run(i.toString(16).padStart(32, '0'), `r${i}`, ((i * 7919) % RUNS) * 1000)
          .lastInsertRowid,
      );
      metric.run(seq, 'auc', i / RUNS);
      param.run(seq, 'lr', String(i % 50), i % 50);
      param.run(seq, 'model', ['rf', 'svm', 'lr', 'xgb'][i % 4], null);
    }
  })();
  return store;
}

/** What the search must answer, computed here from the same rule. */
function expected(pred: (i: number) => boolean, limit: number): { names: string[]; total: number } {
  const all = Array.from({ length: RUNS }, (_, i) => i)
    .filter(pred)
    .sort((a, b) => ((b * 7919) % RUNS) - ((a * 7919) % RUNS));
  return { names: all.slice(0, limit).map((i) => `r${i}`), total: all.length };
}

const cmp = (
  kind: 'metric' | 'param',
  key: string,
  op: '>' | '>=' | '<' | '<=' | '=',
  value: number | string,
): FilterExpr => ({ type: 'cmp', field: { kind, key }, op, value });

describe('run search from an index', () => {
  it.each([
    ['selective metric (drives)', cmp('metric', 'auc', '>', 0.99), (i: number) => i / RUNS > 0.99],
    ['wide metric (walks)', cmp('metric', 'auc', '>', 0.2), (i: number) => i / RUNS > 0.2],
    [
      'selective number param and a text param',
      { type: 'and', items: [cmp('param', 'lr', '=', 7), cmp('param', 'model', '=', 'svm')] },
      (i: number) => i % 50 === 7 && i % 4 === 1,
    ],
    [
      'a selective term beside a wide one, bound in text order',
      { type: 'and', items: [cmp('metric', 'auc', '>=', 0.1), cmp('metric', 'auc', '<', 0.102)] },
      (i: number) => i / RUNS >= 0.1 && i / RUNS < 0.102,
    ],
    [
      'selective text param, under or',
      {
        type: 'or',
        items: [cmp('param', 'model', '=', 'xgb'), cmp('metric', 'auc', '<', 0.001)],
      },
      (i: number) => i % 4 === 3 || i / RUNS < 0.001,
    ],
  ] as [string, FilterExpr, (i: number) => boolean][])('%s', (_, filter, pred) => {
    const store = seeded();
    try {
      for (const limit of [10, 100]) {
        const r = queryRunRows(store, { filter, limit });
        const want = expected(pred, limit);
        expect(r.total).toBe(want.total);
        expect(r.rows.map((x) => x.name)).toEqual(want.names);
      }
    } finally {
      store.close();
    }
  });

  it('the selective search reads from the index, not every run', () => {
    const store = seeded();
    try {
      let plan = '';
      const prepare = store.db.prepare.bind(store.db);
      store.db.prepare = ((sql: string) => {
        const st = prepare(sql);
        if (!sql.startsWith('SELECT r.seq')) return st;
        // the plan of the search itself, with the arguments it runs with
        const pluck = st.pluck.bind(st);
        st.pluck = (...a: [boolean?]) => {
          const p = pluck(...a);
          const all = p.all.bind(p);
          p.all = (...args: unknown[]) => {
            plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
              .map((r) => r.detail)
              .join(' | ');
            return all(...args);
          };
          return p;
        };
        return st;
      }) as typeof store.db.prepare;
      queryRunRows(store, { filter: cmp('metric', 'auc', '>', 0.99), limit: 10 });
      expect(plan).toMatch(/run_latest_metrics_by_value/);
      expect(plan).not.toMatch(/SCAN r\b/);
    } finally {
      store.close();
    }
  });
});
