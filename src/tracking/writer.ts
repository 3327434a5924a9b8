/**
 * The one way anything is written to a run: values are validated and buffered, and
 * `flush` writes everything pending in a single transaction. The Node API, MLO_LOG
 * ingestion, `mlo log` and the pipeline all sit on this, as MLflow's store builds
 * log_metric and log_param on log_batch.
 */
import { MloError } from '../errors.js';
import type { Store } from '../store/index.js';
import {
  AUTO_STEP,
  finishRun,
  writeRunBatch,
  type ArtifactRow,
  type IoRow,
  type SeriesBatch,
  type RunEnd,
} from '../store/index.js';

export type ParamValue = string | number | boolean | null | undefined | object;

const MAX_KEY = 250;
const MAX_VALUE = 6000;
// Control characters would garble tables and the filter syntax.
// eslint-disable-next-line no-control-regex
const BAD_KEY_RE = /[\u0000-\u001f\u007f]/;

/** Why a key is not acceptable, or undefined when it is. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.length === 0) return 'a key must be a non-empty string';
  if (key.length > MAX_KEY)
    return `key "${key.slice(0, 40)}..." is longer than ${MAX_KEY} characters`;
  if (BAD_KEY_RE.test(key)) return `key ${JSON.stringify(key)} contains control characters`;
  if (key !== key.trim()) return `key ${JSON.stringify(key)} starts or ends with white space`;
  return undefined;
}

/** Params are stored as text, as in MLflow; structured values as JSON. */
export function paramText(value: ParamValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  return JSON.stringify(value);
}

/** A growable column store for one metric's pending points. */
class SeriesBuffer implements SeriesBatch {
  n = 0;
  steps: Float64Array = new Float64Array(256);
  ts: Float64Array = new Float64Array(256);
  vals: Float64Array = new Float64Array(256);
  constructor(readonly key: string) {}

  push(step: number, ts: number, value: number): void {
    if (this.n === this.steps.length) {
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.steps = grow(this.steps);
      this.ts = grow(this.ts);
      this.vals = grow(this.vals);
    }
    this.steps[this.n] = step;
    this.ts[this.n] = ts;
    this.vals[this.n] = value;
    this.n++;
  }
}

export class RunWriter {
  readonly store: Store;
  readonly seq: number;
  private series = new Map<string, SeriesBuffer>();
  private pointCount = 0;
  private params = new Map<string, string>();
  private tags = new Map<string, string>();
  private artifacts: ArtifactRow[] = [];
  private io: IoRow[] = [];
  private readonly okKeys = new Set<string>();

  constructor(store: Store, seq: number) {
    this.store = store;
    this.seq = seq;
  }

  /** metric points waiting for the next flush */
  get pendingPoints(): number {
    return this.pointCount;
  }

  get pending(): boolean {
    return (
      this.pointCount > 0 ||
      this.params.size > 0 ||
      this.tags.size > 0 ||
      this.artifacts.length > 0 ||
      this.io.length > 0
    );
  }

  private checkKey(key: string): void {
    if (this.okKeys.has(key)) return;
    const problem = keyProblem(key);
    if (problem) throw new MloError('USAGE', problem);
    this.okKeys.add(key);
  }

  /**
   * Buffer one point. A point without a step gets the next step of its series (0 for
   * the first), so a plain loop of values still draws a curve. That step is decided
   * by the store when the point is written, in the same transaction: another process
   * logging to the same run at the same time never gets the same step.
   */
  metric(key: string, value: number | null, step?: number, ts?: number): void {
    this.checkKey(key);
    if (value !== null && typeof value !== 'number') {
      throw new MloError('USAGE', `metric ${key}: value must be a number, got ${typeof value}`);
    }
    if (step !== undefined && !Number.isSafeInteger(step)) {
      throw new MloError('USAGE', `metric ${key}: step must be an integer, got ${step}`);
    }
    const t = ts ?? Date.now();
    if (!Number.isFinite(t)) throw new MloError('USAGE', `metric ${key}: bad timestamp ${t}`);
    let buf = this.series.get(key);
    if (!buf) this.series.set(key, (buf = new SeriesBuffer(key)));
    buf.push(step ?? AUTO_STEP, Math.round(t), value === null ? NaN : value);
    this.pointCount++;
  }

  /**
   * A plain object (a whole params.yaml section, `params: [train]`) is stored as its
   * dotted leaf keys (`train.C`), so filters and columns find each value.
   */
  param(key: string, value: ParamValue): void {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value as Record<string, ParamValue>);
      if (entries.length > 0) {
        for (const [k, v] of entries) this.param(`${key}.${k}`, v);
        return;
      }
    }
    this.checkKey(key);
    const text = paramText(value);
    if (text.length > MAX_VALUE) {
      throw new MloError('USAGE', `param ${key}: value is longer than ${MAX_VALUE} characters`);
    }
    this.params.set(key, text);
  }

  tag(key: string, value: ParamValue): void {
    this.checkKey(key);
    const text = paramText(value);
    if (text.length > MAX_VALUE) {
      throw new MloError('USAGE', `tag ${key}: value is longer than ${MAX_VALUE} characters`);
    }
    this.tags.set(key, text);
  }

  artifact(row: ArtifactRow): void {
    this.artifacts.push(row);
  }

  ioEntry(row: IoRow): void {
    this.io.push(row);
  }

  private takeBatch() {
    const batch = {
      series: [...this.series.values()] as SeriesBatch[],
      params: [...this.params],
      tags: [...this.tags],
      artifacts: this.artifacts,
      io: this.io,
    };
    this.series = new Map();
    this.pointCount = 0;
    this.params = new Map();
    this.tags = new Map();
    this.artifacts = [];
    this.io = [];
    return batch;
  }

  /** Write everything pending in one transaction. */
  flush(): void {
    if (!this.pending) return;
    const batch = this.takeBatch();
    try {
      writeRunBatch(this.store, this.seq, batch);
    } catch (err) {
      this.putBack(batch);
      throw err;
    }
  }

  /** A failed write keeps its values for the next flush (a later one may succeed). */
  private putBack(batch: ReturnType<RunWriter['takeBatch']>): void {
    // points logged since the failed write go after the failed ones
    for (const sb of batch.series) {
      const later = this.series.get(sb.key);
      const merged = new SeriesBuffer(sb.key);
      for (const src of later ? [sb, later] : [sb]) {
        for (let i = 0; i < src.n; i++) merged.push(src.steps[i], src.ts[i], src.vals[i]);
      }
      this.pointCount += sb.n;
      this.series.set(sb.key, merged);
    }
    for (const [k, v] of batch.params) if (!this.params.has(k)) this.params.set(k, v);
    for (const [k, v] of batch.tags) if (!this.tags.has(k)) this.tags.set(k, v);
    this.artifacts = batch.artifacts.concat(this.artifacts);
    this.io = batch.io.concat(this.io);
  }

  /** Write what is pending and end the run, atomically. */
  finish(end: RunEnd): void {
    finishRun(this.store, this.seq, end, this.takeBatch());
  }
}
