import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  insertPredictionBatches,
  iteratePredictionRows,
  openStore,
  type PredictionBatch,
} from '../../../src/store/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function batch(head: PredictionBatch['head'], n: number, tag: string): PredictionBatch {
  return {
    head,
    n,
    fill(i, params, at) {
      params[at] = 1000 + i;
      params[at + 1] = i % 5 === 0 ? null : `${tag}-${i}`;
      params[at + 2] = i / 4;
      params[at + 3] = `{"x":${i}}`;
      params[at + 4] = `{"prediction":"${tag}"}`;
    },
  };
}

describe('prediction log batches', () => {
  it('writes every row of every batch with its head, whatever the batch size', () => {
    const d = mkdtempSync(join(tmpdir(), 'mlo-store-pred-'));
    dirs.push(d);
    const store = openStore(join(d, 'mlo.db'));
    // 19 rows: two full multi-row statements and a remainder; a quote in the model name
    const a = { model: "o'brien", version: 3, role: 'primary', route: 'canary' } as const;
    const b = { model: 'm', version: 1, role: 'shadow', route: null } as const;
    expect(insertPredictionBatches(store, [batch(a, 19, 'a'), batch(b, 3, 'b')])).toBe(22);
    expect(insertPredictionBatches(store, [batch(a, 8, 'c')])).toBe(8);
    const rows = [...iteratePredictionRows(store)];
    store.close();
    expect(rows).toHaveLength(30);
    const expected = [
      ...Array.from({ length: 19 }, (_, i) => ({ head: a, i, tag: 'a' })),
      ...Array.from({ length: 3 }, (_, i) => ({ head: b, i, tag: 'b' })),
      ...Array.from({ length: 8 }, (_, i) => ({ head: a, i, tag: 'c' })),
    ];
    const byId = [...rows].sort((x, y) => x.id - y.id);
    byId.forEach((r, k) => {
      const { head, i, tag } = expected[k];
      expect(r).toMatchObject({
        ts_ms: 1000 + i,
        model: head.model,
        version: head.version,
        role: head.role,
        route: head.route,
        request_id: i % 5 === 0 ? null : `${tag}-${i}`,
        latency_ms: i / 4,
        inputs: `{"x":${i}}`,
        outputs: `{"prediction":"${tag}"}`,
      });
    });
  });
});
