import { describe, expect, it } from 'vitest';
import { buildLinearClassifier, type ModelOutputs } from '../../../src/index.js';
import { Batcher } from '../../../src/serve/batcher.js';
import { createInlineRunner, type Runner } from '../../../src/serve/runner.js';
import { expected, WEIGHTS } from './helpers.js';

/** The real inline runner, recording each run's row count and refusing rows with a 999. */
async function recordingRunner(): Promise<{ runner: Runner; runs: number[] }> {
  const { w, b } = WEIGHTS[1];
  const inner = await createInlineRunner(
    await buildLinearClassifier({ coefficients: [w], intercepts: [b] }),
    3,
  );
  const runs: number[] = [];
  return {
    runs,
    runner: {
      slots: 1,
      kind: 'inline',
      run(x: Float32Array, nRows: number): Promise<ModelOutputs> {
        runs.push(nRows);
        if (x.includes(999)) return Promise.reject(new Error('poisoned row'));
        return inner.run(x, nRows);
      },
      close: () => inner.close(),
    },
  };
}

const rowOf = (i: number): number[] => [i / 4, 1 - i / 8, (i % 5) - 2];

describe('micro-batching', () => {
  it('runs concurrent requests together, at most maxBatch rows a run, each getting its own rows', async () => {
    const { runner, runs } = await recordingRunner();
    const batcher = new Batcher(runner, { maxBatch: 8, maxDelayMs: 0 });
    const outs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => batcher.submit(Float32Array.from(rowOf(i)), 1)),
    );
    outs.forEach((out, i) => {
      expect(out.nRows).toBe(1);
      expect(out.labels).toEqual([expected(1, rowOf(i)).label]);
      expect(out.probabilities![1]).toBeCloseTo(expected(1, rowOf(i)).p1, 5);
      expect(out.raw.probabilities.dims).toEqual([1, 2]);
    });
    expect(runs.reduce((a, b) => a + b, 0)).toBe(40);
    expect(Math.max(...runs)).toBeLessThanOrEqual(8);
    expect(runs.length).toBeLessThan(40);
    await runner.close();
  });

  it('keeps multi-row requests whole and in order', async () => {
    const { runner } = await recordingRunner();
    const batcher = new Batcher(runner, { maxBatch: 4, maxDelayMs: 0 });
    const sizes = [3, 1, 6, 2];
    let at = 0;
    const jobs = sizes.map((n) => {
      const rows = Array.from({ length: n }, (_, k) => rowOf(at + k));
      at += n;
      return { rows, out: batcher.submit(Float32Array.from(rows.flat()), n) };
    });
    for (const job of jobs) {
      const out = await job.out;
      expect(out.labels).toEqual(job.rows.map((r) => expected(1, r).label));
    }
    await runner.close();
  });

  it('with maxBatch 1 every request runs alone', async () => {
    const { runner, runs } = await recordingRunner();
    const batcher = new Batcher(runner, { maxBatch: 1, maxDelayMs: 0 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => batcher.submit(Float32Array.from(rowOf(i)), 1)),
    );
    expect(runs).toEqual(Array(10).fill(1));
    await runner.close();
  });

  it('a row the model refuses fails only its own request', async () => {
    const { runner } = await recordingRunner();
    const batcher = new Batcher(runner, { maxBatch: 16, maxDelayMs: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) =>
        batcher.submit(Float32Array.from(i === 3 ? [999, 0, 0] : rowOf(i)), 1),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((results[4] as PromiseFulfilledResult<ModelOutputs>).value.labels).toEqual([
      expected(1, rowOf(4)).label,
    ]);
    await runner.close();
  });

  it("reports each run's rows and compute time, and each request's wait behind earlier runs", async () => {
    const { runner: inner, runs } = await recordingRunner();
    // each run takes at least 4 ms, so the waits have something to show
    const runner = {
      ...inner,
      run: async (x: Float32Array, n: number) => {
        // 4 ms by the clock the batcher reads: a timer alone may fire early by the
        // event loop's cached time when the machine is busy
        const end = performance.now() + 4;
        while (performance.now() < end) await new Promise((r) => setTimeout(r, 1));
        return inner.run(x, n);
      },
    };
    const ran: { rows: number; seconds: number }[] = [];
    const waits: number[] = [];
    const batcher = new Batcher(runner, {
      maxBatch: 8,
      maxDelayMs: 0,
      onRun: (rows, seconds) => ran.push({ rows, seconds }),
      onWait: (seconds) => waits.push(seconds),
    });
    const t0 = performance.now();
    const jobs = Array.from({ length: 32 }, (_, i) =>
      batcher.submit(Float32Array.from(rowOf(i)), 1),
    );
    // the first run starts while later jobs are still being queued: their waits start later
    const queuing = (performance.now() - t0) / 1000;
    await Promise.all(jobs);
    expect(ran.map((r) => r.rows)).toEqual(runs);
    expect(ran.reduce((a, r) => a + r.rows, 0)).toBe(32);
    expect(waits).toHaveLength(32);
    for (const r of ran) expect(r.seconds).toBeGreaterThanOrEqual(0.0035);
    // all 32 were queued at once and one run goes at a time: the requests of run k waited
    // as long as runs 0..k-1 computed, less the time it took to queue them all
    let job = 0;
    let before = 0;
    for (const r of ran) {
      for (let k = 0; k < r.rows; k++, job++)
        expect(waits[job]).toBeGreaterThanOrEqual(before - queuing - 1e-6);
      before += r.seconds;
    }
    expect(before).toBeGreaterThan(4 * queuing);
    await inner.close();
  });
});
