/**
 * Maturity figures on a real store and a real git commit: a history of promotions, a
 * refused one, an incident, a rollback and a manual set, written with known times, and
 * every figure worked out by hand.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildLinearClassifier,
  initRepo,
  maturityStats,
  openRepo,
  registerModel,
  type Repo,
} from '../../../src/index.js';

const H = 3_600_000;
const dirs: string[] = [];
const repos: Repo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('maturityStats', () => {
  it('lead time from the commit, deployment frequency, success and failure rates, time to detect and recover', async () => {
    // git keeps whole seconds
    const now = Math.floor(Date.now() / 1000) * 1000;
    const dir = mkdtempSync(join(tmpdir(), 'mlo-maturity-'));
    dirs.push(dir);
    const commitAt = new Date(now - 240 * H).toISOString();
    const git = (...args: string[]): string =>
      execFileSync('git', args, {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_DATE: commitAt,
          GIT_COMMITTER_DATE: commitAt,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.com',
        },
      }).trim();
    git('init', '-q');
    writeFileSync(join(dir, 'train.py'), 'print(1)\n');
    git('add', 'train.py');
    git('commit', '-q', '-m', 'train');
    initRepo(dir);
    const repo = openRepo(dir);
    repos.push(repo);
    for (const v of [1, 2, 3]) {
      writeFileSync(
        join(dir, `m${v}.onnx`),
        await buildLinearClassifier({ coefficients: [[v, 1]], intercepts: [0] }),
      );
      await registerModel(repo, { name: 'churn', path: `m${v}.onnx`, features: ['a', 'b'] });
    }
    const db = repo.store.db;
    // every version built from that commit (the register call read it from git)
    const sha = git('rev-parse', 'HEAD');
    db.prepare('UPDATE model_versions SET git_commit = ?').run(sha);
    const model = (db.prepare("SELECT id FROM models WHERE name = 'churn'").get() as { id: number })
      .id;
    const event = db.prepare(
      `INSERT INTO alias_events (model, alias, action, outcome, from_version, to_version, who, at_ms)
       VALUES (?, 'champion', ?, ?, ?, ?, 't', ?)`,
    );
    event.run(model, 'promote', 'moved', null, 1, now - 200 * H); // lead 40 h
    event.run(model, 'promote', 'rejected', 1, 2, now - 150 * H);
    event.run(model, 'promote', 'moved', 1, 2, now - 100 * H); // lead 140 h; fails below
    event.run(model, 'rollback', 'moved', 2, 1, now - 80 * H);
    event.run(model, 'set', 'moved', 1, 3, now - 20 * H); // lead 220 h
    event.run(model, 'promote', 'moved', null, 1, now - 200 * 24 * H); // outside the window
    db.prepare(
      `INSERT INTO monitor_incidents (rule, subject, severity, dedup_key, opened_ms, resolved_ms, summary)
       VALUES ('accuracy', 'churn@2', 'error', 'k', ?, ?, 'accuracy 0.6 < 0.8')`,
    ).run(now - 90 * H, now - 50 * H);
    const run = db.prepare(
      `INSERT INTO runs (id, name, experiment, status, start_ms, host, stage) VALUES (?, ?, 'e', ?, ?, 'h', ?)`,
    );
    run.run('r1', 'a', 'finished', now - 10 * H, 'train');
    run.run('r2', 'b', 'finished', now - 10 * H, 'train');
    run.run('r3', 'c', 'failed', now - 10 * H, 'prepare');
    run.run('r4', 'd', 'finished', now - 10 * H, null); // not a pipeline stage
    run.run('r5', 'e', 'running', now - 1 * H, 'train'); // not finished yet

    const s = maturityStats(repo, { since: '90d', now });
    expect(s.deploymentFrequency).toEqual({ deployments: 3, perWeek: (3 * 7) / 90 });
    expect(s.leadTime).toMatchObject({ n: 3, fromCommit: 3, fromRegistration: 0 });
    expect(s.leadTime.median).toBeCloseTo(140, 6);
    expect(s.leadTime.p90).toBeCloseTo(140 + 0.8 * 80, 6); // numpy: percentile([40,140,220], 90)
    expect(s.promotionSuccessRate).toEqual({ value: 2 / 3, of: [2, 3] });
    expect(s.pipelineSuccessRate).toEqual({ value: 2 / 3, of: [2, 3] });
    expect(s.changeFailureRate).toEqual({ value: 1 / 3, of: [1, 3] });
    expect(s.timeToDetect).toMatchObject({ n: 1 });
    expect(s.timeToDetect.median).toBeCloseTo(10, 6);
    expect(s.timeToRecover).toMatchObject({ n: 1 });
    expect(s.timeToRecover.median).toBeCloseTo(10, 6); // the rollback, before the resolution

    // one model, and a window that leaves the first deployment out
    const recent = maturityStats(repo, { since: '150h', model: 'churn', now });
    expect(recent.deploymentFrequency.deployments).toBe(2);
    expect(recent.promotionSuccessRate.of).toEqual([1, 2]);
    expect(maturityStats(repo, { model: 'other', now }).deploymentFrequency.deployments).toBe(0);
  });
});
