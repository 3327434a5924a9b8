/**
 * The `runs list --json` document built in pieces: joined, the pieces are exactly the
 * document of the listed runs, whatever the piece size, filter, sort and limit; and
 * they show one state of the store even when it changes between two pieces.
 */
import { describe, expect, it } from 'vitest';
import {
  listRuns,
  listRunsJson,
  listRunsJsonPieces,
  openRepo,
  recordRuns,
  startRun,
  type RecordedRun,
  type Repo,
} from '../../../src/index.js';
import { queryRunRows, runListJsonPieces } from '../../../src/store/index.js';
import { parseFilter, parseSortKey } from '../../../src/tracking/filter.js';
import { referenceRunsJson as reference } from '../../helpers/runs-json.js';
import { tempRepo } from './temp-repo.js';

const NAMES = [
  'quote " back \\ slash',
  'é ü 😀 </x> \u00a0 ∑',
  'tab\tnew\nline',
  'plain',
  '\u2028',
];

async function seed(n: number): Promise<Repo> {
  const repo = tempRepo();
  const t0 = Date.UTC(2024, 1, 29, 23, 59, 59, 7);
  const runs: RecordedRun[] = [];
  for (let i = 0; i < n; i++) {
    runs.push({
      name: `${NAMES[i % NAMES.length]} ${i}`,
      experiment: ['a', 'ëx', 'x"y'][i % 3],
      status: (['finished', 'failed', 'killed'] as const)[i % 3],
      // equal starts, so the order falls to seq; some end a millisecond before a second
      startMs: t0 + Math.floor(i / 4) * 1000,
      endMs: t0 + Math.floor(i / 4) * 1000 + (i % 7) * 333,
      params: { model: ['rf', 'svm', 'ä "q"'][i % 3], lr: String((i % 5) / 10), i },
      // values of any digits: their JSON goes from the store to the output as stored
      metrics: { f1: ((i * 7919) % 1000) / 997, loss: i % 11 === 0 ? NaN : i / 3 },
      tags: i % 2 ? { team: `t${i % 4}`, '😀': '\\' } : {},
    });
  }
  recordRuns(repo, runs);
  return repo;
}

const QUERIES: { filter?: string; sort?: string[]; limit?: number; experiment?: string }[] = [
  {},
  { filter: "metrics.f1 > 0.3 and (params.model in ('rf', 'ä \"q\"') or tags.team = 't1')" },
  { sort: ['metrics.loss:desc', 'params.lr'] },
  { filter: "status != 'killed'", sort: ['name'], limit: 13 },
  { experiment: 'ëx', limit: 1 },
  { filter: "name = 'none'" },
];

function storeQuery(q: (typeof QUERIES)[number]) {
  return {
    experiment: q.experiment,
    filter: q.filter ? parseFilter(q.filter) : undefined,
    sort: (q.sort ?? []).map(parseSortKey),
    limit: q.limit,
  };
}

describe('runs list --json in pieces', () => {
  it('joins to the document of the listed runs for any piece size, filter, sort and limit', async () => {
    const repo = await seed(230);
    // a running run: end null
    const live = await startRun(repo, { name: 'still "running"', git: false, attach: false });
    for (const q of QUERIES) {
      const query = storeQuery(q);
      const expected = reference(
        queryRunRows(repo.store, { ...query, limit: q.limit ?? 1e9 }).rows,
      );
      expect(listRunsJson(repo, q).toString()).toBe(expected);
      const pieces = [...listRunsJsonPieces(repo, q)];
      expect(Buffer.concat(pieces).toString()).toBe(expected);
      for (const size of [1, 7, 229, 230, 1000]) {
        const store = [...runListJsonPieces(repo.store, query, size)];
        const matched = (JSON.parse(expected) as { runs: unknown[] }).runs.length;
        expect(store).toHaveLength(Math.ceil(matched / size));
        expect(`{"runs":[${store.map((p) => p.toString()).join(',')}]}`).toBe(expected);
      }
      // and the table's parse of the pieces is the same runs
      expect(listRuns(repo, { ...q, limit: q.limit ?? 0 }).runs).toEqual(
        (JSON.parse(expected) as { runs: unknown[] }).runs,
      );
    }
    expect(listRunsJson(repo, { limit: 1 }).toString()).toContain('"end":null');
    await live.end();
  });

  it('shows one state of the store while a reader takes its time, and lets it go after', async () => {
    const repo = await seed(30);
    const before = listRunsJson(repo).toString();
    const pieces = runListJsonPieces(repo.store, {}, 10);
    const first = pieces.next();
    expect(first.done).toBe(false);
    // another process deletes a run of the last piece and adds one, between two pieces
    const other = openRepo(repo.root);
    const last = (JSON.parse(before) as { runs: { id: string }[] }).runs[29].id;
    other.store.db.prepare('DELETE FROM runs WHERE id = ?').run(last);
    recordRuns(other, [{ name: 'late', startMs: Date.now() }]);
    other.close();
    const rest = [...pieces].map((p) => p.toString());
    const joined = [(first.value as Buffer).toString(), ...rest].join(',');
    expect(`{"runs":[${joined}]}`).toBe(before);
    expect(repo.store.db.inTransaction).toBe(false);
    // the next listing sees the change
    const after = (
      JSON.parse(listRunsJson(repo).toString()) as { runs: { id: string; name: string }[] }
    ).runs;
    expect(after.map((r) => r.id)).not.toContain(last);
    expect(after[0].name).toBe('late');
    // a reader that stops early ends the transaction too
    for (const piece of runListJsonPieces(repo.store, {}, 10)) {
      expect(piece.length).toBeGreaterThan(0);
      break;
    }
    expect(repo.store.db.inTransaction).toBe(false);
  });
});
