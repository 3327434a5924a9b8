/**
 * The spool's segment files: records round-trip, a torn tail (a crash mid-write) costs
 * only that record, a segment is never inserted twice, and only segments that are
 * sealed or whose writer has died are drained.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPredictions } from '../../../src/index.js';
import type { LogBatch } from '../../../src/serve/log-rows.js';
import {
  decodeSegment,
  drainSpool,
  encodeRecord,
  ownerAlive,
  spoolDirOf,
  SpoolWriter,
} from '../../../src/serve/spool.js';
import { insertSpoolSegment } from '../../../src/store/index.js';
import { predictionBatchOf } from '../../../src/serve/log-rows.js';
import { tempRepo } from './helpers.js';

const source = {
  model: 'churn',
  version: 1,
  route: 'main' as const,
  role: 'primary' as const,
  names: ['age', 'tenure'],
  nFeatures: 2,
};

/** n rows; the arrays are bigger than n, as the log's growing columns are. */
function batch(n: number, at = 0): LogBatch {
  const cap = n + 7;
  const ts = new Float64Array(cap);
  const latency = new Float64Array(cap);
  const x = new Float64Array(cap * 2);
  const probs = new Float32Array(cap * 2);
  for (let i = 0; i < n; i++) {
    ts[i] = 1_700_000_000_000 + at + i;
    latency[i] = 0.25 * i;
    x[2 * i] = at + i;
    x[2 * i + 1] = -1.5 * i;
    probs[2 * i] = 0.25;
    probs[2 * i + 1] = 0.75;
  }
  return {
    source,
    n,
    ts,
    latency,
    ids: Array.from({ length: n }, (_, i) => `id-${at + i}`),
    x,
    labels: Array.from({ length: n }, (_, i) => (i % 2 ? 'yes' : 'no')),
    values: null,
    targets: 0,
    probs,
    classes: 2,
  };
}

const MAGIC = Buffer.from('MLOSPL01');

describe('spool segments', () => {
  it('records round-trip; a torn last record costs only that record', () => {
    const a = batch(5);
    const b = batch(3, 100);
    const bytes = Buffer.concat([MAGIC, encodeRecord(a), encodeRecord(b)]);
    const seg = decodeSegment(bytes);
    expect(seg.rows).toBe(8);
    expect(seg.tornBytes).toBe(0);
    const [da, db] = seg.batches;
    expect(Array.from(da.ts)).toEqual(Array.from(a.ts.subarray(0, 5)));
    expect(Array.from(da.x)).toEqual(Array.from(a.x.subarray(0, 10)));
    expect(Array.from(db.probs!)).toEqual(Array.from(b.probs!.subarray(0, 6)));
    expect(db.ids).toEqual(['id-100', 'id-101', 'id-102']);
    expect(db.labels).toEqual(['no', 'yes', 'no']);
    // a crash in the middle of the second record's write
    const torn = decodeSegment(bytes.subarray(0, bytes.length - 9));
    expect(torn.rows).toBe(5);
    expect(torn.tornBytes).toBeGreaterThan(0);
    // a flipped byte fails the checksum
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 3] ^= 0xff;
    expect(decodeSegment(flipped).rows).toBe(5);
  });

  it("drains sealed segments and dead writers' open ones, never a live writer's, and never twice", async () => {
    const repo = tempRepo();
    const dir = spoolDirOf(repo.store.path);
    const writer = new SpoolWriter(dir);
    writer.append([batch(4)]);
    // the live writer's open segment stays
    expect(drainSpool(repo.store).rows).toBe(0);
    await writer.seal();
    const sealed = readdirSync(dir);
    expect(sealed).toHaveLength(1);
    expect(sealed[0]).toMatch(/\.ready$/);
    const keep = join(repo.root, 'copy');
    copyFileSync(join(dir, sealed[0]), keep);
    expect(drainSpool(repo.store, { owner: writer.owner })).toMatchObject({
      segments: 1,
      rows: 4,
      ownRows: 4,
    });
    expect(readdirSync(dir)).toEqual([]);

    // a drainer that died after its commit, before deleting the file: not inserted again
    const id = sealed[0].replace(/\.ready$/, '');
    const deadPid = spawnSync(
      process.execPath,
      ['-e', 'process.stdout.write(String(process.pid))'],
      {
        encoding: 'utf8',
      },
    ).stdout;
    const dead = `${deadPid}.1.abcdef`;
    expect(ownerAlive(dead)).toBe(false);
    copyFileSync(keep, join(dir, `${id}.drain-${dead}`));
    insertSpoolSegment(repo.store, id, [predictionBatchOf(batch(1, 999))]);
    expect(drainSpool(repo.store).rows).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    // (the commit simulated above wrote one row; the file's 4 rows are there once)
    expect(readPredictions(repo, { model: 'churn@1' })).toHaveLength(5);

    // a writer that was killed: its open segment, cut mid-record, is drained whole records first
    const orphan = join(dir, `seg-${dead}-000001.open`);
    writeFileSync(
      orphan,
      Buffer.concat([MAGIC, encodeRecord(batch(6, 200)), encodeRecord(batch(2, 300))]),
    );
    truncateSync(orphan, readFileSync(orphan).length - 5);
    expect(drainSpool(repo.store)).toMatchObject({ segments: 1, rows: 6 });
    expect(existsSync(orphan)).toBe(false);
    expect(readPredictions(repo, { model: 'churn@1' })).toHaveLength(11);
    const rows = readPredictions(repo, { model: 'churn@1' }).filter((r) =>
      r.requestId?.startsWith('id-20'),
    );
    expect(rows[1]).toMatchObject({
      inputs: { age: 201, tenure: -1.5 },
      prediction: 'yes',
      probabilities: [0.25, 0.75],
      latencyMs: 0.25,
    });
  });

  it('a claim by a drainer that died is taken over', async () => {
    const repo = tempRepo();
    const dir = spoolDirOf(repo.store.path);
    const writer = new SpoolWriter(dir);
    writer.append([batch(3)]);
    const open = readdirSync(dir)[0];
    const claimed = open.replace(/\.open$/, '.drain-999999999.1.abcdef');
    renameSync(join(dir, open), join(dir, claimed));
    expect(drainSpool(repo.store).rows).toBe(3);
    expect(readdirSync(dir)).toEqual([]);
    await writer.seal();
  });
});
