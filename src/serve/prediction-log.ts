/**
 * The prediction log's bounded queue on the HTTP thread. Recording a request only keeps
 * references to arrays it already has; every flush (a timer, or a full batch) packs
 * them into columns per served model and hands them to the writer (log-sink.ts), which
 * builds the JSON and writes one transaction. Rows waiting or being written count
 * against the capacity; past it, new rows are dropped and counted, so a slow or
 * locked store costs log rows, never request latency or failures.
 */
import type { ModelOutputs } from '../onnx/index.js';
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

interface Entry {
  requestId: string;
  ts: number;
  latencyMs: number;
  x: Float64Array;
  out: ModelOutputs;
}

export interface LogTotals {
  written: number;
  dropped: number;
}

export class PredictionLog {
  private readonly queues = new Map<LogSource, Entry[]>();
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
    let q = this.queues.get(source);
    if (!q) this.queues.set(source, (q = []));
    q.push({ requestId, ts, latencyMs, x, out });
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
    for (const [source, entries] of this.queues) {
      if (entries.length > 0) batches.push(packBatch(source, entries));
    }
    this.queues.clear();
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

/** One served model's queued requests as the columns the writer takes. */
function packBatch(source: LogSource, entries: Entry[]): LogBatch {
  let n = 0;
  for (const e of entries) n += e.out.nRows;
  const f = source.nFeatures;
  const first = entries[0].out;
  const classes = first.probabilities ? first.classCount : 0;
  const targets = first.values ? first.targetCount : 0;
  const ts = new Float64Array(n);
  const latency = new Float64Array(n);
  const ids = new Array<string>(n);
  const x = new Float64Array(n * f);
  const labels = first.labels ? new Array<(typeof first.labels)[number]>(n) : null;
  const values = first.values ? new Float64Array(n * targets) : null;
  const probs = first.probabilities ? new Float32Array(n * classes) : null;
  let at = 0;
  for (const e of entries) {
    const out = e.out;
    const rows = out.nRows;
    x.set(e.x, at * f);
    ts.fill(e.ts, at, at + rows);
    latency.fill(e.latencyMs, at, at + rows);
    for (let i = 0; i < rows; i++) ids[at + i] = e.requestId;
    if (labels && out.labels) for (let i = 0; i < rows; i++) labels[at + i] = out.labels[i];
    if (values && out.values) values.set(out.values.subarray(0, rows * targets), at * targets);
    if (probs && out.probabilities)
      probs.set(out.probabilities.subarray(0, rows * classes), at * classes);
    at += rows;
  }
  return { source, n, ts, latency, ids, x, labels, values, targets, probs, classes };
}
