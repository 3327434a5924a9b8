/**
 * Steps of points logged without one are assigned by the store, in the transaction
 * that writes them: two writers of one run (two processes, or mlo exec and a
 * `mlo log metric` inside it) never hand out the same step.
 */
import { describe, expect, it } from 'vitest';
import { metricHistory, openRepo, startRun } from '../../../src/index.js';
import { tempRepo } from './temp-repo.js';

describe('metric steps', () => {
  it('two writers of one run interleaving get distinct, consecutive steps', async () => {
    const repo = tempRepo();
    const run = await startRun(repo, { name: 'r', git: false, attach: false });
    // a second connection, as another process has
    const other = openRepo(repo.root);
    const b = await startRun(other, { attach: run.id, endOnExit: false });
    run.logMetric('loss', 1);
    b.logMetric('loss', 2);
    run.flush();
    b.logMetric('loss', 3);
    b.flush();
    run.logMetric('loss', 4);
    run.flush();
    b.logMetric('loss', 5, 10);
    b.logMetric('loss', 6);
    await b.end();
    await run.end();
    other.close();
    const steps = metricHistory(repo, run.id, 'loss').points.map((p) => [p.step, p.value]);
    expect(steps).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
      [10, 5],
      [11, 6],
    ]);
  });

  it('a writer keeps its own order: explicit steps raise the next automatic one', async () => {
    const repo = tempRepo();
    const run = await startRun(repo, { name: 'r', git: false, attach: false });
    run.logMetric('acc', 0.1);
    run.logMetric('acc', 0.2, 7);
    run.logMetric('acc', 0.3);
    run.logMetric('acc', 0.4, 2);
    run.logMetric('acc', 0.5);
    await run.end();
    expect(metricHistory(repo, run.id, 'acc').points.map((p) => p.step)).toEqual([0, 2, 7, 8, 9]);
  });
});
