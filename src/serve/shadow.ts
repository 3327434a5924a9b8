/**
 * The shadow model: after a request has been answered, its rows are queued for the
 * shadow, which runs them in batches on its own worker thread (or, running from
 * source, on the HTTP thread in a later turn of the event loop). Nothing about the
 * shadow can reach a response: failures are counted and reported, a full queue drops
 * rows (counted), and the primary's answer is already on the wire.
 */
import { MloError } from '../errors.js';
import type { ModelOutputs } from '../onnx/index.js';
import type { FeatureLayout } from './input.js';
import { predictionList } from './outputs.js';
import { acquire, modelInput, release, type ServedModel } from './served-model.js';

export interface ShadowHooks {
  /** `latencyMs`: from queueing the rows to the shadow's answer */
  onResult(
    shadow: ServedModel,
    requestId: string,
    x: Float64Array,
    out: ModelOutputs,
    agree: number,
    latencyMs: number,
  ): void;
  onError(shadow: ServedModel, rows: number, message: string): void;
  onDropped(rows: number): void;
}

/**
 * Where each of the shadow's features sits in a primary's row, or null when the rows
 * line up as they are. Throws when the shadow needs a feature the primary lacks.
 */
export function columnMap(from: FeatureLayout, to: FeatureLayout): Int32Array | null {
  if (!from.names || !to.names) {
    if (from.count !== to.count) {
      throw new MloError(
        'INVALID',
        `the shadow ${to.label} takes ${to.count} features but ${from.label} takes ${from.count}`,
      );
    }
    return null;
  }
  const map = new Int32Array(to.count);
  const missing: string[] = [];
  to.names.forEach((name, j) => {
    const i = from.index.get(name);
    if (i === undefined) missing.push(name);
    else map[j] = i;
  });
  if (missing.length > 0) {
    throw new MloError(
      'INVALID',
      `the shadow ${to.label} takes feature(s) ${missing.join(', ')} that ${from.label} does not`,
    );
  }
  return map.every((v, j) => v === j) && from.count === to.count ? null : map;
}

export class Shadow {
  private pending = 0;
  private readonly maps = new WeakMap<ServedModel, Int32Array | null>();
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    public current: ServedModel,
    private readonly hooks: ShadowHooks,
    /** rows waiting or running before new ones are dropped */
    private readonly capacityRows = 10_000,
  ) {}

  /** Check a primary's features can feed the shadow (at start and after reloads). */
  check(primary: ServedModel): void {
    this.maps.set(primary, columnMap(primary.layout, this.current.layout));
  }

  /** Queue one answered request's rows; returns at once. */
  submit(primary: ServedModel, requestId: string, x: Float64Array, primaryOut: ModelOutputs): void {
    const n = primaryOut.nRows;
    if (this.pending + n > this.capacityRows) {
      this.hooks.onDropped(n);
      return;
    }
    let map = this.maps.get(primary);
    if (map === undefined) {
      try {
        this.check(primary);
      } catch (err) {
        this.hooks.onError(this.current, n, (err as Error).message);
        return;
      }
      map = this.maps.get(primary)!;
    }
    const shadow = acquire(this.current);
    const f = shadow.layout.count;
    const input = remap(x, n, primary.layout.count, f, map);
    this.pending += n;
    const queuedAt = performance.now();
    const run = shadow.batcher
      .submit(modelInput(shadow, input), n)
      .then(
        (out) =>
          this.hooks.onResult(
            shadow,
            requestId,
            input,
            out,
            countAgreement(primaryOut, out),
            performance.now() - queuedAt,
          ),
        (err: unknown) =>
          this.hooks.onError(shadow, n, err instanceof Error ? err.message : String(err)),
      )
      .finally(() => {
        this.pending -= n;
        release(shadow);
        this.inflight.delete(run);
      });
    this.inflight.add(run);
  }

  /** Wait for queued shadow runs (at shutdown), up to `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inflight.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.all([...this.inflight]),
        new Promise((r) => setTimeout(r, Math.max(1, deadline - Date.now())).unref()),
      ]);
    }
  }
}

function remap(
  x: Float64Array,
  n: number,
  fromCount: number,
  toCount: number,
  map: Int32Array | null,
): Float64Array {
  if (!map) return x;
  const out = new Float64Array(n * toCount);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < toCount; j++) out[i * toCount + j] = x[i * fromCount + map[j]];
  }
  return out;
}

/** Labels equal, or values within a relative 1e-6 (two exports of one model differ in the last bits). */
function samePrediction(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => samePrediction(v, b[i]));
  }
  return a === b;
}

/** Rows where both models predicted the same. */
function countAgreement(a: ModelOutputs, b: ModelOutputs): number {
  const pa = predictionList(a);
  const pb = predictionList(b);
  let same = 0;
  for (let i = 0; i < pa.length; i++) if (samePrediction(pa[i], pb[i])) same++;
  return same;
}
