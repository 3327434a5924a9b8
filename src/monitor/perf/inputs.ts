/**
 * Labelled rows → the inputs `mlo eval` gives its metric functions, built the same
 * way: the label aligned to the model's label type, the predicted labels as logged,
 * and the logged probabilities as a float32 matrix whose columns are the model's class
 * labels. The same rows therefore give the same numbers as `mlo eval` on a file of
 * them (test/e2e/perf.test.ts checks it).
 */
import { MloError } from '../../errors.js';
import { alignClassificationTarget, type TargetData } from '../../evaluate/index.js';
import {
  computeClassificationMetrics,
  takeRows,
  type ClassificationInput,
  type Label,
} from '../../evaluate/metrics/index.js';
import type { ModelVersion } from '../../registry/index.js';
import type { LabelledRows } from './data.js';

export interface ModelInfo {
  name: string;
  version: number;
  /** the classifier's labels in probability-column order, when the model says */
  classLabels: Label[] | null;
  /** what the model's outputs say it does (a label or probability output: classification) */
  declares: 'classification' | 'regression' | 'unknown';
}

export function modelInfo(v: ModelVersion): ModelInfo {
  const usable = v.signature.outputs.filter((o) => o.isTensor);
  const floats = (t: string | null): boolean => t === 'float32' || t === 'float64';
  const label = usable.some((o) => !floats(o.elementType));
  const probs = usable.some((o) => floats(o.elementType) && /prob/i.test(o.name));
  return {
    name: v.name,
    version: v.version,
    classLabels: v.signature.classLabels,
    declares: label || probs ? 'classification' : usable.length > 0 ? 'regression' : 'unknown',
  };
}

export type PerfInput =
  | {
      task: 'classification';
      input: ClassificationInput & { scoreLabels?: Label[] };
      /** float32 probabilities, n × columns (null without probabilities) */
      scores: Float32Array | null;
      columns: number;
    }
  | { task: 'regression'; yTrue: Float64Array; yPred: Float64Array };

/** Decide the task from the logged answers and the model, then build its inputs. */
export function buildInput(rows: LabelledRows, model: ModelInfo): PerfInput {
  const hasProbs = rows.probs !== null || rows.p1.some((p) => !Number.isNaN(p));
  const textual = (v: unknown): boolean => typeof v === 'string';
  const classification =
    hasProbs ||
    model.declares === 'classification' ||
    rows.yPred.some(textual) ||
    rows.yTrue.some(textual);
  return classification ? classificationInput(rows, model, hasProbs) : regressionInput(rows);
}

function probabilityColumns(rows: LabelledRows): number {
  if (rows.probs === null) return 2;
  for (const p of rows.probs) if (p !== null) return (JSON.parse(p) as unknown[]).length;
  return 2;
}

function classificationInput(rows: LabelledRows, model: ModelInfo, hasProbs: boolean): PerfInput {
  const n = rows.n;
  let scores: Float32Array | null = null;
  let columns = 0;
  let scoreLabels: Label[] | undefined;
  if (hasProbs) {
    columns = probabilityColumns(rows);
    scores = new Float32Array(n * columns);
    for (let i = 0; i < n; i++) {
      if (columns === 2 && rows.probs?.[i] == null) {
        scores[2 * i] = rows.p0[i];
        scores[2 * i + 1] = rows.p1[i];
      } else {
        const p = JSON.parse(rows.probs![i] ?? 'null') as number[] | null;
        if (!Array.isArray(p) || p.length !== columns) {
          throw new MloError(
            'INVALID',
            `logged prediction ${rows.predId[i]} of ${model.name}@${model.version} has ${Array.isArray(p) ? p.length : 'no'} probabilities where others have ${columns}`,
          );
        }
        for (let j = 0; j < columns; j++) scores[i * columns + j] = p[j] ?? NaN;
      }
    }
    // the class labels of the probability columns, as onnx/run.ts names them
    scoreLabels =
      model.classLabels && model.classLabels.length === columns
        ? [...model.classLabels]
        : Array.from({ length: columns }, (_, j) => j);
  }
  const yPred: Label[] = new Array<Label>(n);
  for (let i = 0; i < n; i++) {
    const p = rows.yPred[i];
    if (p === null) {
      throw new MloError(
        'INVALID',
        `logged prediction ${rows.predId[i]} of ${model.name}@${model.version} has no predicted label`,
      );
    }
    yPred[i] = p;
  }
  const modelLabels = scoreLabels ?? [...new Set(yPred.slice(0, 10_000))];
  const aligned = alignClassificationTarget({
    target: targetData(rows.yTrue),
    modelLabels,
    column: 'label',
    file: 'feedback',
  });
  const input: ClassificationInput & { scoreLabels?: Label[] } = {
    yTrue: aligned.values,
    yPred,
  };
  if (scores && scoreLabels) {
    input.scores = { data: scores, columns };
    input.scoreLabels = scoreLabels;
  }
  return { task: 'classification', input, scores, columns };
}

/** Labels as stored: numbers, texts, and "true"/"false" (booleans fed as labels). */
function targetData(values: readonly (string | number)[]): TargetData {
  if (values.every((v) => typeof v === 'number')) {
    return { kind: 'numbers', values: Float64Array.from(values as number[]) };
  }
  if (values.every((v) => v === 'true' || v === 'false')) {
    return { kind: 'labels', values: values.map((v) => v === 'true') };
  }
  return { kind: 'labels', values: values.map(String) };
}

function regressionInput(rows: LabelledRows): PerfInput {
  const yTrue = new Float64Array(rows.n);
  const yPred = new Float64Array(rows.n);
  for (let i = 0; i < rows.n; i++) {
    const t = rows.yTrue[i];
    const p = rows.yPred[i];
    if (typeof t !== 'number') {
      throw new MloError('INVALID', `label "${t}" is not a number, but the model predicts numbers`);
    }
    if (typeof p !== 'number') {
      throw new MloError(
        'INVALID',
        `logged prediction ${rows.predId[i]} is ${p === null ? 'missing' : `"${p}"`}, not one number: mlo perf scores one regression target`,
      );
    }
    yTrue[i] = t;
    yPred[i] = p;
  }
  return { task: 'regression', yTrue, yPred };
}

/** The input of rows `idx` of `input`, with the task, positive label and score labels fixed from the whole. */
export function subInput(input: PerfInput, idx: Uint32Array): PerfInput {
  if (input.task === 'regression') {
    return {
      task: 'regression',
      yTrue: takeRows(input.yTrue, idx) as Float64Array,
      yPred: takeRows(input.yPred, idx) as Float64Array,
    };
  }
  const base = input.input;
  let scores: Float32Array | null = null;
  if (input.scores) {
    const c = input.columns;
    scores = new Float32Array(idx.length * c);
    for (let k = 0; k < idx.length; k++)
      scores.set(input.scores.subarray(idx[k] * c, idx[k] * c + c), k * c);
  }
  const fixed = fixedSettings(input);
  const sub: ClassificationInput & { scoreLabels?: Label[] } = {
    ...base,
    ...fixed,
    scoreLabels: fixed.scoreLabels ? [...fixed.scoreLabels] : undefined,
    yTrue: takeRows(base.yTrue as ArrayLike<string | number>, idx),
    yPred: takeRows(base.yPred as ArrayLike<string | number>, idx),
    scores: scores ? { data: scores, columns: input.columns } : undefined,
  };
  return { task: 'classification', input: sub, scores, columns: input.columns };
}

const fixedCache = new WeakMap<PerfInput, Partial<ClassificationInput>>();

/** What the whole data set says the task and the positive label are, as eval's slices fix them. */
function fixedSettings(
  input: PerfInput & { task: 'classification' },
): Partial<ClassificationInput> {
  let f = fixedCache.get(input);
  if (!f) {
    const whole = computeClassificationMetrics({ ...input.input, scores: undefined });
    f = {
      task: whole.task,
      positiveLabel: whole.positiveLabel ?? undefined,
      scoreLabels: input.input.scoreLabels ?? whole.labels,
    };
    fixedCache.set(input, f);
  }
  return f;
}
