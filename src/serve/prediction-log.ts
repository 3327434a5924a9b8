/**
 * The prediction log's bounded queue on the HTTP thread. Recording a request copies
 * its rows into growing typed-array columns per served model (no per-request objects
 * stay alive until the flush: holding thousands of them made every young-generation
 * GC copy them). Every flush (a timer, or a full batch) hands the columns to the
 * writer (log-sink.ts), which builds the JSON and writes one transaction. Rows waiting
 * or being written count against the capacity; past it, new rows are dropped and
 * counted, so a slow or locked store costs log rows, never request latency or failures.
 */
import type { Label, ModelOutputs } from '../onnx/index.js';
import type { LogBatch, LogSource } from './log-rows.js';
import type { LogSink } from './log-sink.js';

export interface PredictionLogOptions {
  /** rows queued or being written before new ones are dropped (default 100,000) */
  capacityRows?: number;
  /** how often queued rows are written (default 200 ms) */
  flushMs?: number;
  /** queued rows that trigger a write without waiting for the timer (default 4096) */
  batchRows?: number;
  onDepth?: (rows: number) => void;
  onWritten?: (rows: number) => void;
  onDropped?: (rows: number, why: 'full' | 'error', message?: string) => void;
}

export interface LogTotals {
  written: number;
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
  private writing = 0;
  private readonly inflight = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private flushScheduled = false;
  private closed = false;
  readonly totals: LogTotals = { written: 0, dropped: 0 };
  private readonly capacity: number;
  private readonly batchRows: number;

  constructor(
    private readonly sink: LogSink,
    private readonly options: PredictionLogOptions = {},
  ) {
    this.capacity = options.capacityRows ?? 100_000;
    this.batchRows = options.batchRows ?? 4096;
    this.timer = setInterval(() => this.flush(), options.flushMs ?? 200);
    this.timer.unref();
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
    if (this.closed || this.queued + this.writing + n > this.capacity) {
      this.totals.dropped += n;
      this.options.onDropped?.(n, 'full');
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

  /** Hand everything queued to the writer. */
  flush(): void {
    this.flushScheduled = false;
    if (this.queued === 0) return;
    const batches: LogBatch[] = [];
    for (const cols of this.columns.values()) if (cols.n > 0) batches.push(cols.take());
    const rows = this.queued;
    this.queued = 0;
    this.writing += rows;
    this.options.onDepth?.(this.depth);
    const done = this.sink.write(batches).then(
      (written) => {
        this.totals.written += written;
        this.options.onWritten?.(written);
      },
      (err: unknown) => {
        this.totals.dropped += rows;
        this.options.onDropped?.(rows, 'error', err instanceof Error ? err.message : String(err));
      },
    );
    const tracked = done.finally(() => {
      this.writing -= rows;
      this.inflight.delete(tracked);
      this.options.onDepth?.(this.depth);
    });
    this.inflight.add(tracked);
  }

  /** Write what is queued, wait for every write, close the writer. */
  async close(): Promise<LogTotals> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.timer);
      this.flush();
      while (this.inflight.size > 0) await Promise.all([...this.inflight]);
      await this.sink.close();
    }
    return this.totals;
  }
}
