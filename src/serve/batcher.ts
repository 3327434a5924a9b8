/**
 * Micro-batching: requests that arrive while the model is busy (or within
 * `maxDelayMs`) run as one session run of up to `maxBatch` rows, and each gets its own
 * rows back. A session run has a fixed cost that dwarfs a small model's per-row work
 * (bench/onnx-run.mjs: ~19k rows/s at batch 1, millions at batch 256), so under
 * concurrency this is most of the throughput.
 *
 * With `maxDelayMs` 0 nothing waits on a timer: a batch is cut at the end of the
 * event-loop turn that queued its requests (setImmediate), or when a runner slot frees
 * up, so a lone request runs at once and a busy server batches whatever queued.
 */
import type { FeatureMatrix, ModelOutputs } from '../onnx/index.js';
import { sliceOutputs } from './outputs.js';
import type { Runner } from './runner.js';

export interface BatchOptions {
  /** rows per run (1 turns batching off) */
  maxBatch: number;
  /** how long the first queued request may wait for others (0: only what already queued) */
  maxDelayMs: number;
  /** each run, once it has finished: its rows and how long it computed */
  onRun?: (rows: number, seconds: number) => void;
  /** each request as its run begins: how long its rows waited in the queue */
  onWait?: (seconds: number) => void;
}

interface Job {
  x: FeatureMatrix;
  nRows: number;
  /** performance.now() when it was queued */
  at: number;
  resolve: (out: ModelOutputs) => void;
  reject: (err: unknown) => void;
}

export class Batcher {
  private readonly queue: Job[] = [];
  private queuedRows = 0;
  private active = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runner: Runner,
    private readonly options: BatchOptions,
  ) {}

  /** jobs waiting plus batches running: the batcher is idle at 0 */
  get busy(): number {
    return this.queue.length + this.active;
  }

  submit(x: FeatureMatrix, nRows: number): Promise<ModelOutputs> {
    return new Promise<ModelOutputs>((resolve, reject) => {
      this.queue.push({ x, nRows, at: performance.now(), resolve, reject });
      this.queuedRows += nRows;
      this.pump();
    });
  }

  private pump(): void {
    const { maxBatch, maxDelayMs } = this.options;
    while (this.active < this.runner.slots && this.queue.length > 0) {
      const full = this.queuedRows >= maxBatch;
      if (!full && maxBatch > 1) {
        // wait for company: a timer, or the end of this event-loop turn
        if (maxDelayMs > 0) {
          this.timer ??= setTimeout(() => {
            this.timer = undefined;
            this.dispatch();
            this.pump();
          }, maxDelayMs);
        } else if (!this.scheduled) {
          this.scheduled = true;
          setImmediate(() => {
            this.scheduled = false;
            if (this.active < this.runner.slots && this.queue.length > 0) this.dispatch();
            this.pump();
          });
        }
        return;
      }
      this.dispatch();
    }
  }

  /** Cut one batch from the head of the queue and run it. */
  private dispatch(): void {
    if (this.queue.length === 0) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const { onWait, onRun } = this.options;
    const start = performance.now();
    const jobs: Job[] = [];
    let rows = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (jobs.length > 0 && rows + next.nRows > this.options.maxBatch) break;
      jobs.push(next);
      this.queue.shift();
      rows += next.nRows;
      onWait?.((start - next.at) / 1000);
    }
    this.queuedRows -= rows;
    this.active++;
    void this.runBatch(jobs, rows).finally(() => {
      this.active--;
      onRun?.(rows, (performance.now() - start) / 1000);
      this.pump();
    });
  }

  private async runBatch(jobs: Job[], rows: number): Promise<void> {
    if (jobs.length === 1) {
      const job = jobs[0];
      try {
        job.resolve(await this.runner.run(job.x, job.nRows));
      } catch (err) {
        job.reject(err);
      }
      return;
    }
    const width = jobs[0].x.length / jobs[0].nRows;
    // every job of a model carries the same array type (its served model's carrier)
    const x =
      jobs[0].x instanceof Float64Array
        ? new Float64Array(rows * width)
        : new Float32Array(rows * width);
    let at = 0;
    for (const job of jobs) {
      x.set(job.x, at * width);
      at += job.nRows;
    }
    let out: ModelOutputs;
    try {
      out = await this.runner.run(x, rows);
    } catch {
      // one request's rows may be what the model chokes on: run each alone, so only
      // that request fails
      await Promise.all(
        jobs.map((job) => this.runner.run(job.x, job.nRows).then(job.resolve, job.reject)),
      );
      return;
    }
    at = 0;
    for (const job of jobs) {
      job.resolve(sliceOutputs(out, at, job.nRows));
      at += job.nRows;
    }
  }
}
