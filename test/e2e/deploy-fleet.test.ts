/**
 * A serving fleet on loopback: three `mlo serve` replicas, each in its own copy of the
 * project (they share no store, as pods do not), serving churn@champion with churn@2 as
 * a 30% canary. A request id goes to the same version on every replica, so a client
 * retrying on another pod, or a load balancer spreading one user's requests, sees one
 * model; and each replica keeps its own prediction log of exactly what it answered.
 *
 * Following alias moves and shipping the logs to a shared place need `mlo server`
 * (`mlo serve --from`), which this branch does not have yet.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { churnProbability, churnRepo, W1, W2 } from '../helpers/churn.js';
import { tempDir } from '../helpers/cli.js';
import { predict, startServe } from '../helpers/serving.js';

const REPLICAS = 3;
const REQUESTS = 120;

describe('a fleet of mlo serve replicas', () => {
  it('routes each request id to the same version on every replica; each logs its own', async () => {
    const repo = await churnRepo();
    const dirs = Array.from({ length: REPLICAS }, (_, i) => {
      const dir = join(tempDir('mlo-replica-'), `replica-${i}`);
      cpSync(repo, dir, { recursive: true });
      return dir;
    });
    const servers = await Promise.all(
      dirs.map((d) =>
        startServe(d, ['churn@champion', '--canary', 'churn@2:30', '--log-predictions']),
      ),
    );
    const row = [31, 7, 42];
    const seen = new Map<string, string>();
    for (let i = 0; i < REQUESTS; i++) {
      const id = `user-${i}`;
      const answers = await Promise.all(
        servers.map((s) => predict(s.url, { inputs: [row] }, { 'x-request-id': id })),
      );
      for (const a of answers) expect(a.status).toBe(200);
      const versions = new Set(answers.map((a) => a.version));
      expect(versions.size, `request ${id}: ${[...versions].join(', ')}`).toBe(1);
      const version = answers[0].version!;
      const w = version === '2' ? W2 : W1;
      for (const a of answers) {
        expect(a.body.probabilities[0][1]).toBeCloseTo(churnProbability(w, row), 5);
      }
      seen.set(id, version);
    }
    const canaryShare = [...seen.values()].filter((v) => v === '2').length / REQUESTS;
    expect(canaryShare).toBeGreaterThan(0.15);
    expect(canaryShare).toBeLessThan(0.45);

    for (const s of servers) expect((await s.stop()).code).toBe(0);
    // every replica logged each request it answered, under the version that answered
    for (const d of dirs) {
      const db = new Database(join(d, '.mlo/mlo.db'), { readonly: true });
      try {
        const rows = db
          .prepare('SELECT request_id, version FROM prediction_log ORDER BY id')
          .all() as { request_id: string; version: number }[];
        expect(rows).toHaveLength(REQUESTS);
        for (const r of rows) expect(String(r.version)).toBe(seen.get(r.request_id));
      } finally {
        db.close();
      }
    }
  });
});
