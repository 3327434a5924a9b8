/**
 * `POST /feedback` on the hub: labels join the prediction log replicas shipped, by
 * request id, exactly as on `mlo serve` (the same handler's answers, byte for byte);
 * a read token is refused, a request without a token counts nothing, and the same
 * labels twice change nothing. The label feed a pull reads pages by row number.
 * Real HTTP on 127.0.0.1 to a server over a real store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFeedbackHandler } from '../../../src/monitor/feedback/index.js';
import {
  createToken,
  initServerStore,
  openBareRepo,
  startServer,
  type RunningServer,
} from '../../../src/server/index.js';
import { ingestPredictionBatch, type PredictionBatchIn } from '../../../src/sync/index.js';

let dir: string;
let n = 0;
const servers: RunningServer[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlo-hub-feedback-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 20 requests of one instance each, as a replica ships them; two answered by a shadow too. */
function batch(): PredictionBatchIn {
  const now = Date.now();
  const rows = Array.from({ length: 20 }, (_, i) => ({
    ts_ms: now - 60_000 + i,
    model: 'churn',
    version: 1,
    request_id: `r-${i}`,
    latency_ms: 2,
    inputs: { f0: i },
    outputs: { prediction: i % 2, probabilities: [0.4, 0.6] },
    seq: i,
  }));
  const shadow = [0, 1].map((i) => ({ ...rows[i], version: 2, role: 'shadow', seq: 100 + i }));
  return { origin: 'ab'.repeat(16), batch: 'b-1', rows: [...rows, ...shadow] };
}

/** A fresh hub store with a replica's batch in it and tokens of each scope. */
function hubStore(): { store: string; tokens: Record<'read' | 'write', string> } {
  const store = join(dir, `hub-${n++}`);
  initServerStore(store);
  const repo = openBareRepo(store);
  try {
    ingestPredictionBatch(repo.store, batch());
    return {
      store,
      tokens: {
        read: createToken(repo.store, 'dash', 'read').token,
        write: createToken(repo.store, 'labeller', 'write').token,
      },
    };
  } finally {
    repo.close();
  }
}

async function start(store: string): Promise<RunningServer> {
  const s = await startServer({ store, port: 0, log: () => {} });
  servers.push(s);
  return s;
}

async function post(
  server: RunningServer,
  body: unknown,
  token?: string,
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server.url}/feedback`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const count = (server: RunningServer, table: string): number =>
  server.repo.store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

const LABELS = {
  labels: [
    ...Array.from({ length: 12 }, (_, i) => ({ request_id: `r-${i}`, label: i % 3 === 0 ? 1 : 0 })),
    { request_id: 'r-missing', label: 1 },
  ],
};

describe('POST /feedback on the hub', () => {
  it("with a write token joins labels to the replicas' shipped rows, as mlo serve's handler answers", async () => {
    const { store, tokens } = hubStore();
    const server = await start(store);
    const r = await post(server, LABELS, tokens.write);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      received: 13,
      new: 13,
      joined: 12,
      rows: 14, // r-0 and r-1 were answered by the shadow too
      unknown: 1,
      unknownExamples: ['r-missing'],
      mode: 'request',
    });
    expect(count(server, 'feedback_labels')).toBe(13);
    const joined = server.repo.store.db
      .prepare(
        `SELECT o.request_id, o.version, o.y_true, o.y_pred, o.p1 FROM prediction_outcomes o
         ORDER BY o.pred_id`,
      )
      .all() as { request_id: string; version: number; y_true: number; y_pred: number }[];
    expect(joined).toHaveLength(14);
    for (const j of joined) {
      const i = Number(j.request_id.slice(2));
      expect(j.y_true).toBe(i % 3 === 0 ? 1 : 0);
      expect(j.y_pred).toBe(i % 2);
    }

    // the same body to mlo serve's handler over a store holding the same log: the same answer
    const other = hubStore();
    const repo = openBareRepo(other.store);
    try {
      const local = createFeedbackHandler(repo)({ method: 'POST', body: LABELS });
      expect(local.status).toBe(200);
      expect(r.json).toEqual(local.json);
      const bad = { labels: [{ request_id: 'r-1' }] };
      const served = await post(server, bad, tokens.write);
      const handled = createFeedbackHandler(repo)({ method: 'POST', body: bad });
      expect(served.status).toBe(handled.status);
      expect(served.status).toBe(400);
      expect(served.json).toEqual(handled.json);
    } finally {
      repo.close();
    }
  });

  it('posting the same labels twice changes nothing', async () => {
    const { store, tokens } = hubStore();
    const server = await start(store);
    expect((await post(server, LABELS, tokens.write)).status).toBe(200);
    const outcomes = server.repo.store.db
      .prepare('SELECT * FROM prediction_outcomes ORDER BY pred_id')
      .all();
    const again = await post(server, LABELS, tokens.write);
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ received: 13, new: 0, changed: 0, unchanged: 13 });
    expect(count(server, 'feedback_labels')).toBe(13);
    expect(
      server.repo.store.db.prepare('SELECT * FROM prediction_outcomes ORDER BY pred_id').all(),
    ).toEqual(outcomes);
  });

  it('a read token gets 403 and no token 401, and neither stores or counts a label', async () => {
    const { store, tokens } = hubStore();
    const server = await start(store);
    const read = await post(server, LABELS, tokens.read);
    expect(read.status).toBe(403);
    const none = await post(server, LABELS);
    expect(none.status).toBe(401);
    const wrong = await post(server, LABELS, 'mlo_' + 'x'.repeat(43));
    expect(wrong.status).toBe(401);
    expect(count(server, 'feedback_labels')).toBe(0);
    expect(count(server, 'prediction_outcomes')).toBe(0);
    const metrics = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${tokens.read}` },
    }).then((x) => x.text());
    expect(metrics).toMatch(/^mlo_server_labels_total 0$/m);
    expect(metrics).toMatch(/^mlo_server_auth_failures_total 2$/m);
    // the refused ones add no series; the 403 counts under its route
    expect(metrics).not.toMatch(/route="feedback",status="2xx"/);
    expect((await post(server, LABELS, tokens.write)).status).toBe(200);
    const after = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${tokens.read}` },
    }).then((x) => x.text());
    expect(after).toMatch(/^mlo_server_labels_total 13$/m);
  });
});

describe('GET /api/sync/labels', () => {
  it('pages the labels by row number with a read token', async () => {
    const { store, tokens } = hubStore();
    const server = await start(store);
    await post(server, LABELS, tokens.write);
    const pages: unknown[][][] = [];
    let after = 0;
    for (;;) {
      const res = await fetch(`${server.url}/api/sync/labels?after=${after}&limit=5`, {
        headers: { authorization: `Bearer ${tokens.read}` },
      });
      expect(res.status).toBe(200);
      const page = (await res.json()) as {
        next: number;
        more: boolean;
        last: number;
        rows: unknown[][];
      };
      pages.push(page.rows);
      expect(page.last).toBe(13);
      after = page.next;
      if (!page.more) break;
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 3]);
    const rows = pages.flat();
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(rows[0]).toEqual([1, 'r-0', -1, null, null, 1]);
    expect(rows[12]).toEqual([13, 'r-missing', -1, null, null, 1]);
  });
});
