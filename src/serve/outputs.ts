/**
 * Model outputs as responses need them: one request's rows cut out of a batched run,
 * and the per-row predictions and probabilities every protocol answers with.
 */
import type { Label, ModelOutputs, RawOutput } from '../onnx/index.js';

function sliceData(data: RawOutput['data'], from: number, to: number): RawOutput['data'] {
  return data.slice(from, to);
}

function sliceRaw(out: ModelOutputs, start: number, n: number): Record<string, RawOutput> {
  const raw: Record<string, RawOutput> = {};
  for (const [name, r] of Object.entries(out.raw)) {
    // outputs without a batch dimension (rare: a scalar) go to every request as they are
    if (r.dims.length === 0 || r.dims[0] !== out.nRows) {
      raw[name] = r;
      continue;
    }
    const stride = out.nRows === 0 ? 0 : r.data.length / out.nRows;
    raw[name] = {
      type: r.type,
      dims: [n, ...r.dims.slice(1)],
      data: sliceData(r.data, start * stride, (start + n) * stride),
    };
  }
  return raw;
}

/**
 * Rows [start, start + n) of a batched run's outputs. `raw` (only the V2 protocol
 * reads it) is cut on first use.
 */
export function sliceOutputs(out: ModelOutputs, start: number, n: number): ModelOutputs {
  if (start === 0 && n === out.nRows) return out;
  const c = out.classCount;
  const t = out.targetCount;
  let raw: Record<string, RawOutput> | undefined;
  return {
    task: out.task,
    nRows: n,
    labels: out.labels ? out.labels.slice(start, start + n) : null,
    probabilities: out.probabilities ? out.probabilities.slice(start * c, (start + n) * c) : null,
    classCount: c,
    classLabels: out.classLabels,
    values: out.values ? out.values.slice(start * t, (start + n) * t) : null,
    targetCount: t,
    get raw() {
      return (raw ??= sliceRaw(out, start, n));
    },
  };
}

/** The prediction of each row: the label of a classifier, the value (or values) of a regressor. */
export function predictionList(out: ModelOutputs): (Label | number | number[])[] {
  if (out.labels) return out.labels;
  if (out.values) {
    const t = out.targetCount;
    if (t === 1) return Array.from(out.values);
    const rows: number[][] = [];
    for (let i = 0; i < out.nRows; i++)
      rows.push(Array.from(out.values.subarray(i * t, (i + 1) * t)));
    return rows;
  }
  // neither: hand back the first tensor output per row
  const first = Object.values(out.raw)[0];
  if (!first) return [];
  const stride = out.nRows === 0 ? 0 : first.data.length / out.nRows;
  const rows: (Label | number | number[])[] = [];
  for (let i = 0; i < out.nRows; i++) {
    const part = Array.from(first.data.slice(i * stride, (i + 1) * stride) as ArrayLike<number>);
    rows.push(stride === 1 ? part[0] : part);
  }
  return rows;
}

/** Probabilities per row, in the model's class order; null for regressors. */
export function probabilityRows(out: ModelOutputs): number[][] | null {
  const p = out.probabilities;
  if (!p) return null;
  const c = out.classCount;
  const rows: number[][] = new Array<number[]>(out.nRows);
  for (let i = 0; i < out.nRows; i++) rows[i] = Array.from(p.subarray(i * c, (i + 1) * c));
  return rows;
}

/** JSON text of a label or value: what JSON.stringify gives, without building arrays first. */
function jsonValue(v: Label | number): string {
  return typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'null') : JSON.stringify(v);
}

/** `[p1, p2, ...]` of the predictions, written straight from the output arrays. */
export function predictionsJson(out: ModelOutputs): string {
  const n = out.nRows;
  let s = '[';
  if (out.labels) {
    for (let i = 0; i < n; i++) s += (i ? ',' : '') + jsonValue(out.labels[i]);
  } else if (out.values && out.targetCount === 1) {
    for (let i = 0; i < n; i++) s += (i ? ',' : '') + jsonValue(out.values[i]);
  } else {
    return JSON.stringify(predictionList(out));
  }
  return `${s}]`;
}

/** `[[p00, p01], ...]`, or null for regressors. */
export function probabilitiesJson(out: ModelOutputs): string | null {
  const p = out.probabilities;
  if (!p) return null;
  const c = out.classCount;
  let s = '[';
  for (let i = 0; i < out.nRows; i++) {
    s += i ? ',[' : '[';
    for (let k = 0; k < c; k++) s += (k ? ',' : '') + jsonValue(p[i * c + k]);
    s += ']';
  }
  return `${s}]`;
}
