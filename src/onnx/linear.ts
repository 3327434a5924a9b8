/**
 * Linear models shaped like skl2onnx's output for scikit-learn's LogisticRegression and
 * LinearRegression, so mlo's registry, eval and server are exercised on the graphs
 * users will actually bring.
 */
import { MloError } from '../errors.js';
import {
  CLASS_LABELS_KEY,
  addScaler,
  checkMatrix,
  classLabelAttr,
  isStringLabels,
  resolveClasses,
  startGraph,
  type ClassLabels,
  type InputOptions,
  type ScalerSpec,
} from './common.js';
import { attr, ML_DOMAIN, type GraphBuilder } from './graph.js';
import { mapType, sequenceType, tensorType } from './types.js';

/**
 * - `tensors`: skl2onnx with `options={'zipmap': False}`: `label` [N] and `probabilities` [N, C].
 * - `zipmap`: skl2onnx's default: `output_label` [N] and `output_probability`, a sequence
 *   of maps (class → probability) that onnxruntime-node cannot return.
 * - `score`: binary only, one `probability` [N, 1] float column (P of the second class),
 *   like a Keras/PyTorch export with a sigmoid head.
 */
export type ClassifierOutputs = 'tensors' | 'zipmap' | 'score';

export interface LinearClassifierSpec extends InputOptions {
  /** one row of weights per class, or a single row for a binary model (positive class) */
  coefficients: readonly (readonly number[])[];
  /** one per coefficient row */
  intercepts: readonly number[];
  /** labels in probability-column order; default 0..C-1 */
  classes?: ClassLabels;
  /** C > 2: softmax over classes (default) or one-vs-rest sigmoids normalised to sum 1 */
  multiClass?: 'multinomial' | 'ovr';
  outputs?: ClassifierOutputs;
  /** standardise features in the graph first (coefficients then apply to scaled features) */
  scaler?: ScalerSpec;
}

export async function buildLinearClassifier(spec: LinearClassifierSpec): Promise<Uint8Array> {
  const rows = spec.coefficients;
  if (rows.length === 0) throw new MloError('USAGE', 'coefficients are empty');
  const nFeatures = rows[0].length;
  checkMatrix('coefficients', rows, nFeatures);
  if (spec.intercepts.length !== rows.length) {
    throw new MloError(
      'USAGE',
      `${rows.length} coefficient rows need ${rows.length} intercepts, got ${spec.intercepts.length}`,
    );
  }
  const binary = rows.length === 1;
  const nClasses = binary ? 2 : rows.length;
  if (nClasses < 2) throw new MloError('USAGE', 'a classifier needs at least two classes');
  const classes = resolveClasses(spec.classes, nClasses);
  const outputs = spec.outputs ?? 'tensors';
  const start = startGraph(spec, nFeatures, {
    name: 'linear_classifier',
    metadata: { [CLASS_LABELS_KEY]: JSON.stringify(classes) },
  });
  const g = start.g;
  const input = addScaler(g, start.input, nFeatures, spec.scaler);

  if (outputs === 'score') {
    if (!binary)
      throw new MloError('USAGE', 'a single-score output needs a binary model (one row)');
    const [w, b] = [
      g.initializer('coef', { type: 'float32', dims: [nFeatures, 1], values: rows[0] }),
      g.initializer('intercept', { type: 'float32', dims: [1], values: spec.intercepts }),
    ];
    const [z] = g.node('Gemm', [input, w, b], ['raw_score']);
    g.node('Sigmoid', [z], ['probability']);
    g.output('probability', 'float32', [spec.batchDim ?? null, 1]);
    return g.toBytes();
  }

  // skl2onnx writes a binary model as two rows (-w, w) so the LOGISTIC post-transform
  // yields both columns of predict_proba directly.
  const coefficients = binary ? [rows[0].map((v) => -v), rows[0]] : rows;
  const intercepts = binary ? [-spec.intercepts[0], spec.intercepts[0]] : spec.intercepts;
  const ovr = !binary && spec.multiClass === 'ovr';
  const [labelName, probName] =
    outputs === 'zipmap' ? ['output_label', 'output_probability'] : ['label', 'probabilities'];
  const [labelKey, labelValues] = classLabelAttr(classes, 'classlabels_ints');
  const scoresName = ovr || outputs === 'zipmap' ? 'probability_tensor' : probName;
  const [label, scores] = g.node(
    'LinearClassifier',
    [input],
    [labelName, scoresName],
    {
      coefficients: attr.floats(coefficients.flat()),
      intercepts: attr.floats(intercepts),
      multi_class: attr.int(binary || ovr ? 0 : 1),
      post_transform: binary || ovr ? 'LOGISTIC' : 'SOFTMAX',
      [labelKey]: isStringLabels(classes) ? classes : attr.ints(labelValues as number[]),
    },
    { domain: ML_DOMAIN },
  );
  let probs = scores;
  if (ovr) {
    const target = outputs === 'zipmap' ? 'probabilities' : probName;
    [probs] = g.node('Normalizer', [scores], [target], { norm: 'L1' }, { domain: ML_DOMAIN });
  }
  const labelType = isStringLabels(classes) ? 'string' : 'int64';
  g.output(label, labelType, [spec.batchDim ?? null]);
  if (outputs === 'zipmap') {
    addZipMap(g, probs, probName, classes);
  } else {
    g.output(probs, 'float32', [spec.batchDim ?? null, nClasses]);
  }
  return g.toBytes();
}

/** ZipMap turns [N, C] probabilities into N maps label → probability (skl2onnx's default). */
export function addZipMap(
  g: GraphBuilder,
  probabilities: string,
  outputName: string,
  classes: ClassLabels,
): void {
  const [key, values] = classLabelAttr(classes, 'classlabels_int64s');
  const [out] = g.node(
    'ZipMap',
    [probabilities],
    [outputName],
    { [key]: isStringLabels(classes) ? classes : attr.ints(values as number[]) },
    { domain: ML_DOMAIN },
  );
  const keyType = isStringLabels(classes) ? 'string' : 'int64';
  g.output(out, sequenceType(mapType(keyType, tensorType('float32'))));
}

export interface LinearRegressorSpec extends InputOptions {
  coefficients: readonly number[];
  intercept: number;
  /** `column`: [N, 1] like skl2onnx's LinearRegressor (default); `vector`: [N] */
  outputShape?: 'column' | 'vector';
  /** default "variable", skl2onnx's name */
  outputName?: string;
  /** standardise features in the graph first (coefficients then apply to scaled features) */
  scaler?: ScalerSpec;
}

/**
 * With `inputType: 'float64'` and `outputShape: 'vector'` the model computes in doubles
 * end to end (MatMul and Add on float64, a float64 output), as a model exported from
 * float64 training code does.
 */
export async function buildLinearRegressor(spec: LinearRegressorSpec): Promise<Uint8Array> {
  const nFeatures = spec.coefficients.length;
  const vector = spec.outputShape === 'vector';
  const start = startGraph(spec, nFeatures, { name: 'linear_regressor' }, vector && !spec.scaler);
  const g = start.g;
  const input = addScaler(g, start.input, nFeatures, spec.scaler);
  const outName = spec.outputName ?? 'variable';
  if (!vector) {
    g.node(
      'LinearRegressor',
      [input],
      [outName],
      {
        coefficients: attr.floats(spec.coefficients),
        intercepts: attr.floats([spec.intercept]),
        targets: attr.int(1),
      },
      { domain: ML_DOMAIN },
    );
    g.output(outName, 'float32', [spec.batchDim ?? null, 1]);
  } else {
    const type = start.type;
    const w = g.initializer('coef', { type, dims: [nFeatures], values: spec.coefficients });
    const b = g.initializer('intercept', { type, dims: [1], values: [spec.intercept] });
    const [xw] = g.node('MatMul', [input, w], ['xw']);
    g.node('Add', [xw, b], [outName]);
    g.output(outName, type, [spec.batchDim ?? null]);
  }
  return g.toBytes();
}
