/** Pieces every model builder shares: the feature input and class labels. */
import { MloError } from '../errors.js';
import { GraphBuilder, ML_DOMAIN, attr, type GraphBuilderOptions } from './graph.js';
import type { FeatureType } from './features.js';
import { elementTypeCode, type Dim } from './types.js';

export interface InputOptions {
  /** name of the feature input (default "X"; skl2onnx users often pick "float_input") */
  inputName?: string;
  /**
   * element type of the input (default float32). Other types are cast to float in the
   * graph, as skl2onnx does for Int64TensorType / BooleanTensorType inputs.
   */
  inputType?: FeatureType;
  /**
   * one [N, 1] input per feature instead of one [N, F] matrix (skl2onnx's per-column
   * initial_types), each with its own type; they are cast to float and concatenated
   */
  columns?: readonly { name: string; type?: FeatureType }[];
  /** batch dimension of the input: null (unknown, as converters write None), a name, or a size */
  batchDim?: Dim;
  /** graph name and model metadata */
  graphName?: string;
  metadata?: Record<string, string>;
}

/**
 * Standardisation in the graph, as skl2onnx writes a StandardScaler in a Pipeline:
 * ai.onnx.ml Scaler computes (x - offset) * scale per feature.
 */
export interface ScalerSpec {
  offset: readonly number[];
  scale: readonly number[];
}

export type ClassLabels = readonly number[] | readonly string[];

/** Metadata key where builders record class labels in probability-column order. */
export const CLASS_LABELS_KEY = 'mlo.class_labels';

/**
 * A graph with the feature input(s) declared; `input` names the [N, F] tensor the
 * model computes on: float32, or float64 when the builder computes in doubles
 * (`keepDoubles`) and the input is float64.
 */
export function startGraph(
  options: InputOptions,
  nFeatures: number,
  defaults: GraphBuilderOptions = {},
  keepDoubles = false,
): { g: GraphBuilder; input: string; type: 'float32' | 'float64' } {
  if (!Number.isInteger(nFeatures) || nFeatures < 1) {
    throw new MloError('USAGE', `a model needs at least one feature, got ${nFeatures}`);
  }
  const g = new GraphBuilder({
    ...defaults,
    name: options.graphName ?? defaults.name,
    metadata: { ...defaults.metadata, ...options.metadata },
  });
  const batch = options.batchDim === undefined ? null : options.batchDim;
  const toFloat = (name: string, type: FeatureType): string =>
    type === 'float32'
      ? name
      : g.node('Cast', [name], [`${name}_float`], { to: attr.int(elementTypeCode('float32')) })[0];
  if (options.columns) {
    if (options.columns.length !== nFeatures) {
      throw new MloError(
        'USAGE',
        `${options.columns.length} input columns for a model of ${nFeatures} features`,
      );
    }
    const parts = options.columns.map((c) =>
      toFloat(g.input(c.name, c.type ?? 'float32', [batch, 1]), c.type ?? 'float32'),
    );
    const [x] = g.node('Concat', parts, ['features'], { axis: attr.int(1) });
    return { g, input: x, type: 'float32' };
  }
  const type = options.inputType ?? 'float32';
  const input = g.input(options.inputName ?? 'X', type, [batch, nFeatures]);
  if (keepDoubles && type === 'float64') return { g, input, type: 'float64' };
  return { g, input: toFloat(input, type), type: 'float32' };
}

/** Insert a Scaler after the input when asked; returns the name the model should read. */
export function addScaler(
  g: GraphBuilder,
  input: string,
  nFeatures: number,
  scaler?: ScalerSpec,
): string {
  if (!scaler) return input;
  if (scaler.offset.length !== nFeatures || scaler.scale.length !== nFeatures) {
    throw new MloError(
      'USAGE',
      `scaler needs ${nFeatures} offsets and scales, got ${scaler.offset.length} and ${scaler.scale.length}`,
    );
  }
  const [out] = g.node(
    'Scaler',
    [input],
    ['scaled'],
    { offset: attr.floats(scaler.offset), scale: attr.floats(scaler.scale) },
    { domain: ML_DOMAIN },
  );
  return out;
}

/** The labels to use for `count` classes, checked: integers or strings, no duplicates. */
export function resolveClasses(classes: ClassLabels | undefined, count: number): ClassLabels {
  const labels = classes ?? Array.from({ length: count }, (_, i) => i);
  if (labels.length !== count) {
    throw new MloError('USAGE', `expected ${count} class labels, got ${labels.length}`);
  }
  if (new Set<number | string>(labels).size !== labels.length) {
    throw new MloError('USAGE', `class labels must be distinct: ${JSON.stringify(labels)}`);
  }
  if (!isStringLabels(labels) && !labels.every((l) => Number.isSafeInteger(l))) {
    throw new MloError(
      'USAGE',
      `class labels must be integers or strings: ${JSON.stringify(labels)}`,
    );
  }
  return labels;
}

export function isStringLabels(labels: ClassLabels): labels is readonly string[] {
  return labels.length > 0 && typeof labels[0] === 'string';
}

/** The ai.onnx.ml attribute name and value for class labels. */
export function classLabelAttr(
  labels: ClassLabels,
  intName: 'classlabels_ints' | 'classlabels_int64s',
): [string, readonly string[] | number[]] {
  return isStringLabels(labels) ? ['classlabels_strings', labels] : [intName, [...labels]];
}

export function checkMatrix(
  what: string,
  rows: readonly (readonly number[])[],
  nCols: number,
): void {
  rows.forEach((row, i) => {
    if (row.length !== nCols) {
      throw new MloError('USAGE', `${what} row ${i} has ${row.length} values, expected ${nCols}`);
    }
  });
}
