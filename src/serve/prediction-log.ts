/**
 * The prediction log on the HTTP thread: lossless up to the disk's limits.
 *
 * Recording a request copies its rows into growing typed-array columns per served
 * model (no per-request objects stay alive until the flush: holding thousands of them
 * made every young-generation GC copy them). Every flush (a timer, or a full batch)
 * hands the columns to the writer (log-sink.ts), which builds the JSON and writes one
 * transaction — unless the writer cannot take them now: it holds `capacityRows` rows
 * already, or its oldest write has taken over `stallMs` (a locked store), or a write
 * failed. Then the batch is appended to the spool (spool.ts), an fsync'd segment file
 * under .mlo/spool, at the cost of one write(2) on this thread. When the writer is
 * idle again it drains the spool into the store. A row is dropped only when the spool
 * cannot be written either (a full disk); drops are counted in /metrics and recorded
 * with their time window in the store (prediction_log_lost), so a drift check on the
 * log can say how many rows of its window were lost.
 */
import type { Label, ModelOutputs } from '../onnx/index.js';
import type { LostPredictionRows } from '../store/index.js';
import type { LogBatch, LogSource } from './log-rows.js';
import type { LogSink } from './log-sink.js';
import type { DrainResult, SpoolWriter } from './spool.js';

export interface PredictionLogOptions {
  /** rows the writer may hold (queued or being written) before batches go to the spool (default 100,000) */
  capacityRows?: number;
  /** a write running this long sends new batches to the spool (default 1000 ms) */
  stallMs?: number;
  /** how often queued rows are written (default 200 ms) */
  flushMs?: number;
  /** queued rows that trigger a write without waiting for the timer (default 4096) */
  batchRows?: number;
  onDepth?: (rows: number) => void;
  onWritten?: (rows: number) => void;
  /** rows appended to the spool; `pending`: this server's rows in the spool now */
  onSpooled?: (rows: number, pending: number) => void;
  onDropped?: (rows: number, message: string) => void;
  /** rows other (stopped) servers had left in the spool, now in the store */
  onRecovered?: (rows: number) => void;
  /** something went wrong that costs no row yet (a drain to retry, a torn segment) */
  onTrouble?: (message: string) => void;
}

export interface LogTotals {
  /** rows in the store: written directly, or through the spool */
  written: number;
  /** rows that went through the spool */
  spooled: number;
  /** this server's rows still in the spool (the next mlo serve or reader writes them) */
  pending: number;
  /** rows lost: the spool could not be written */
  dropped: number;
}

/** One served model's rows since the last flush, column by column. */
class Columns {
  n = 0;
  private cap: number;
  private ts: Float64Array;
  private latency: Float64Array;
  private x: Float64Array;
  private ids: string[] = [];
  private labels: Label[] | null = null;
  private values: Float64Array | null = null;
  private probs: Float32Array | null = null;
  private targets = 0;
  private classes = 0;

  constructor(
    readonly source: LogSource,
    capacity: number,
  ) {
    this.cap = capacity;
    this.ts = new Float64Array(capacity);
    this.latency = new Float64Array(capacity);
    this.x = new Float64Array(capacity * source.nFeatures);
  }

  push(requestId: string, ts: number, latencyMs: number, x: Float64Array, out: ModelOutputs): void {
    const rows = out.nRows;
    const at = this.n;
    if (at + rows > this.cap) this.grow(at + rows);
    if (at === 0) this.shapeFrom(out);
    // (x, values and probabilities hold exactly this request's rows)
    this.x.set(x, at * this.source.nFeatures);
    if (rows === 1) {
      this.ts[at] = ts;
      this.latency[at] = latencyMs;
    } else {
      this.ts.fill(ts, at, at + rows);
      this.latency.fill(latencyMs, at, at + rows);
    }
    for (let i = 0; i < rows; i++) this.ids.push(requestId);
    const labels = out.labels;
    if (this.labels && labels) for (let i = 0; i < rows; i++) this.labels.push(labels[i]);
    if (this.values && out.values) this.values.set(out.values, at * this.targets);
    if (this.probs && out.probabilities) this.probs.set(out.probabilities, at * this.classes);
    this.n = at + rows;
  }

  /** The outputs a model gives are the same every run: size the output columns once. */
  private shapeFrom(out: ModelOutputs): void {
    this.labels = out.labels ? [] : null;
    this.targets = out.values ? out.targetCount : 0;
    this.classes = out.probabilities ? out.classCount : 0;
    this.values = out.values ? new Float64Array(this.cap * this.targets) : null;
    this.probs = out.probabilities ? new Float32Array(this.cap * this.classes) : null;
  }

  private grow(need: number): void {
    const cap = Math.max(need, this.cap * 2);
    const f = this.source.nFeatures;
    const more = <T extends Float64Array | Float32Array>(a: T, width: number): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * width);
      b.set(a.subarray(0, this.n * width));
      return b;
    };
    this.ts = more(this.ts, 1);
    this.latency = more(this.latency, 1);
    this.x = more(this.x, f);
    if (this.values) this.values = more(this.values, this.targets);
    if (this.probs) this.probs = more(this.probs, this.classes);
    this.cap = cap;
  }

  /** The rows as a batch (its arrays are handed over), and start empty again. */
  take(): LogBatch {
    const batch: LogBatch = {
      source: this.source,
      n: this.n,
      ts: this.ts,
      latency: this.latency,
      ids: this.ids,
      x: this.x,
      labels: this.labels,
      values: this.values,
      targets: this.targets,
      probs: this.probs,
      classes: this.classes,
    };
    // the next period starts with room for as many rows as this one had
    const cap = Math.max(64, this.n);
    this.n = 0;
    this.cap = cap;
    this.ts = new Float64Array(cap);
    this.latency = new Float64Array(cap);
    this.x = new Float64Array(cap * this.source.nFeatures);
    this.ids = [];
    this.labels = null;
    this.values = null;
    this.probs = null;
    return batch;
  }
}

export class PredictionLog {
  private readonly columns = new Map<LogSource, Columns>();
  private queued = 0;
  /** rows handed to the writer and not yet answered for */
  private writing = 0;
  /** start times of the writer's outstanding operations, oldest first */
  private readonly busy: number[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private flushScheduled = false;
  private closed = false;
  /** batches go to the spool until the writer has drained it */
  private spilling = false;
  private draining = false;
  private drainRetry: NodeJS.Timeout | undefined;
  /** lost rows not yet recorded in the store */
  private lost: LostPredictionRows[] = [];
  private recordingLost = false;
  readonly totals: LogTotals = { written: 0, spooled: 0, pending: 0, dropped: 0 };
  private readonly capacity: number;
  private readonly batchRows: number;
  private readonly stallMs: number;

  constructor(
    private readonly sink: LogSink,
    private readonly spool: SpoolWriter,
    private readonly options: PredictionLogOptions = {},
  ) {
    this.capacity = options.capacityRows ?? 100_000;
    this.batchRows = options.batchRows ?? 4096;
    this.stallMs = options.stallMs ?? 1000;
    this.timer = setInterval(() => this.flush(), options.flushMs ?? 200);
    this.timer.unref();
    // rows an earlier server left in the spool go in first
    void this.drain();
  }

  /** where rows are written: the writer thread, or the HTTP thread (running from source) */
  get writer(): LogSink['kind'] {
    return this.sink.kind;
  }

  get depth(): number {
    return this.queued + this.writing;
  }

  /** Queue the rows of one answered request (x: nRows × nFeatures as received). */
  record(
    source: LogSource,
    requestId: string,
    ts: number,
    latencyMs: number,
    x: Float64Array,
    out: ModelOutputs,
  ): void {
    const n = out.nRows;
    if (this.closed) {
      // a shadow answer that came after shutdown began: nowhere left to put it
      this.totals.dropped += n;
      this.options.onDropped?.(n, 'the prediction log was already closed');
      return;
    }
    let cols = this.columns.get(source);
    if (!cols) this.columns.set(source, (cols = new Columns(source, 256)));
    cols.push(requestId, ts, latencyMs, x, out);
    this.queued += n;
    if (this.queued >= this.batchRows && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Hand everything queued to the writer, or to the spool when the writer cannot take it. */
  flush(): void {
    this.flushScheduled = false;
    this.recordLost();
    if (this.queued === 0) return;
    const batches: LogBatch[] = [];
    for (const cols of this.columns.values()) if (cols.n > 0) batches.push(cols.take());
    const rows = this.queued;
    this.queued = 0;
    const stalled = this.busy.length > 0 && performance.now() - this.busy[0] > this.stallMs;
    if (this.spilling || stalled || this.writing + rows > this.capacity) {
      this.spill(batches, rows);
    } else {
      this.write(batches, rows);
    }
    this.options.onDepth?.(this.depth);
  }

  private track(op: Promise<void>): void {
    const started = performance.now();
    this.busy.push(started);
    const tracked = op.finally(() => {
      this.busy.splice(this.busy.indexOf(started), 1);
      this.inflight.delete(tracked);
      this.options.onDepth?.(this.depth);
      this.afterOp();
    });
    this.inflight.add(tracked);
  }

  private write(batches: LogBatch[], rows: number): void {
    this.writing += rows;
    const done = this.sink.write(batches).then(
      (written) => {
        this.writing -= rows;
        this.totals.written += written;
        this.options.onWritten?.(written);
      },
      () => {
        this.writing -= rows;
        // the store refused them (locked past its timeout, full, the writer gone): the
        // batches were copied to the writer, so these are still whole: keep them on disk
        this.spill(batches, rows);
      },
    );
    this.track(done);
  }

  private spill(batches: LogBatch[], rows: number): void {
    try {
      this.spool.append(batches);
    } catch (err) {
      this.drop(batches, rows, `the spool could not be written: ${(err as Error).message}`);
      return;
    }
    this.spilling = true;
    this.totals.spooled += rows;
    this.totals.pending += rows;
    this.options.onSpooled?.(rows, this.totals.pending);
  }

  private drop(batches: LogBatch[], rows: number, reason: string): void {
    this.totals.dropped += rows;
    for (const b of batches) {
      if (b.n === 0) continue;
      let from = Infinity;
      let to = -Infinity;
      for (let i = 0; i < b.n; i++) {
        from = Math.min(from, b.ts[i]);
        to = Math.max(to, b.ts[i]);
      }
      if (!Number.isFinite(from)) from = to = Date.now();
      const { model, version, role, route } = b.source;
      const last = this.lost.at(-1);
      if (
        last &&
        last.model === model &&
        last.version === version &&
        last.role === role &&
        last.route === route &&
        last.reason === reason
      ) {
        last.rows += b.n;
        last.fromMs = Math.min(last.fromMs, from);
        last.toMs = Math.max(last.toMs, to);
      } else {
        this.lost.push({ model, version, role, route, fromMs: from, toMs: to, rows: b.n, reason });
      }
    }
    this.options.onDropped?.(rows, reason);
  }

  /** Write the lost-row records (retried on every flush until the store takes them). */
  private recordLost(): void {
    if (this.recordingLost || this.lost.length === 0) return;
    const batch = this.lost;
    this.lost = [];
    this.recordingLost = true;
    const done = this.sink.recordLost(batch).then(
      () => undefined,
      () => {
        this.lost = [...batch, ...this.lost];
      },
    );
    const tracked = done.finally(() => {
      this.recordingLost = false;
      this.inflight.delete(tracked);
    });
    this.inflight.add(tracked);
  }

  /** After each write or drain: an idle writer drains what was spooled. */
  private afterOp(): void {
    if (this.closed || this.draining || this.drainRetry !== undefined) return;
    if (this.writing === 0 && this.totals.pending > 0) void this.drain();
  }

  /** Seal the spool's open segment and have the writer move every drainable segment into the store. */
  private drain(deadlineMs?: number): Promise<void> {
    this.draining = true;
    this.spilling = false;
    const done = this.spool
      .seal()
      .then(() => this.sink.drain(this.spool.owner, deadlineMs))
      .then(
        (r: DrainResult) => {
          this.draining = false;
          const own = Math.min(r.ownRows, this.totals.pending);
          this.totals.pending -= own;
          this.totals.written += own;
          if (own > 0) this.options.onWritten?.(own);
          this.options.onSpooled?.(0, this.totals.pending);
          if (r.rows > r.ownRows) this.options.onRecovered?.(r.rows - r.ownRows);
          if (r.tornBytes > 0) {
            this.options.onTrouble?.(
              `the spool held ${r.tornBytes} byte(s) of a record cut short by a crash; its rows were lost`,
            );
          }
          // rows spilled while it drained wait for the next idle moment
          if (this.totals.pending > 0) this.retryDrainLater();
        },
        (err: unknown) => {
          this.draining = false;
          this.options.onTrouble?.(
            `the spool could not be written to the store yet (${err instanceof Error ? err.message : String(err)}); trying again`,
          );
          this.retryDrainLater();
        },
      );
    this.track(done);
    return done;
  }

  private retryDrainLater(): void {
    if (this.closed || this.drainRetry !== undefined) return;
    this.drainRetry = setTimeout(() => {
      this.drainRetry = undefined;
      this.afterOp();
    }, 1000);
    this.drainRetry.unref();
  }

  /**
   * Write what is queued, wait for every write, drain the spool (until `deadlineMs`;
   * what is left stays on disk for the next server or reader), close the writer.
   */
  async close(deadlineMs?: number): Promise<LogTotals> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.timer);
      clearTimeout(this.drainRetry);
      this.flush();
      while (this.inflight.size > 0) await Promise.all([...this.inflight]);
      if (this.totals.pending > 0 || this.spilling) {
        await this.drain(deadlineMs).catch(() => undefined);
        while (this.inflight.size > 0) await Promise.all([...this.inflight]);
      }
      this.recordLost();
      while (this.inflight.size > 0) await Promise.all([...this.inflight]);
      await this.spool.seal();
      await this.sink.close();
    }
    return this.totals;
  }
}
