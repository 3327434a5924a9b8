/**
 * A small multi-layer perceptron in standard ONNX ops (Gemm or MatMul+Add, Relu/Tanh/
 * Sigmoid, Softmax, ArgMax), the shape of a PyTorch/Keras export with a label head.
 */
import { MloError } from '../errors.js';
import {
  CLASS_LABELS_KEY,
  checkMatrix,
  isStringLabels,
  resolveClasses,
  startGraph,
  type ClassLabels,
  type InputOptions,
} from './common.js';
import { attr } from './graph.js';

export type Activation = 'relu' | 'sigmoid' | 'tanh' | 'none';

export interface MlpLayer {
  /** [out][in], as PyTorch stores Linear weights */
  weights: readonly (readonly number[])[];
  bias: readonly number[];
  /** hidden layers default to relu; ignored on the last layer (the head decides) */
  activation?: Activation;
}

export interface MlpSpec extends InputOptions {
  layers: readonly MlpLayer[];
  /**
   * classification: the last layer's C ≥ 2 outputs go through Softmax → `probabilities`
   * [N, C] and ArgMax → `label` [N]; with one output, Sigmoid → `probability` [N, 1].
   * regression: the last layer is linear → `variable` [N, K].
   */
  task: 'classification' | 'regression';
  classes?: ClassLabels;
  /** MatMul + Add instead of Gemm (what some exporters emit) */
  matmul?: boolean;
}

const ACTIVATION_OP: Record<Exclude<Activation, 'none'>, string> = {
  relu: 'Relu',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
};

export async function buildMlp(spec: MlpSpec): Promise<Uint8Array> {
  if (spec.layers.length === 0) throw new MloError('USAGE', 'an MLP needs at least one layer');
  const nFeatures = spec.layers[0].weights[0]?.length ?? 0;
  let width = nFeatures;
  spec.layers.forEach((layer, i) => {
    checkMatrix(`layer ${i} weights`, layer.weights, width);
    if (layer.bias.length !== layer.weights.length) {
      throw new MloError(
        'USAGE',
        `layer ${i} has ${layer.weights.length} outputs but ${layer.bias.length} biases`,
      );
    }
    width = layer.weights.length;
  });
  const nOut = width;
  const classes =
    spec.task === 'classification' && nOut > 1 ? resolveClasses(spec.classes, nOut) : undefined;
  const { g, input } = startGraph(spec, nFeatures, {
    name: 'mlp',
    metadata: classes ? { [CLASS_LABELS_KEY]: JSON.stringify(classes) } : {},
  });
  const batch = spec.batchDim ?? null;

  let x = input;
  spec.layers.forEach((layer, i) => {
    const last = i === spec.layers.length - 1;
    const out = layer.weights.length;
    const inW = layer.weights[0].length;
    const b = g.initializer(`b${i}`, { type: 'float32', dims: [out], values: layer.bias });
    if (spec.matmul) {
      // MatMul wants [in, out]: transpose PyTorch's layout.
      const wt = Array.from(
        { length: inW * out },
        (_, k) => layer.weights[k % out][Math.floor(k / out)],
      );
      const w = g.initializer(`W${i}`, { type: 'float32', dims: [inW, out], values: wt });
      const [xw] = g.node('MatMul', [x, w], [`h${i}_mm`]);
      [x] = g.node('Add', [xw, b], [`h${i}_lin`]);
    } else {
      const w = g.initializer(`W${i}`, {
        type: 'float32',
        dims: [out, inW],
        values: layer.weights.flat(),
      });
      [x] = g.node('Gemm', [x, w, b], [`h${i}_lin`], { transB: attr.int(1) });
    }
    const act = last ? 'none' : (layer.activation ?? 'relu');
    if (act !== 'none') [x] = g.node(ACTIVATION_OP[act], [x], [`h${i}_${act}`]);
  });

  if (spec.task === 'regression') {
    g.node('Identity', [x], ['variable']);
    g.output('variable', 'float32', [batch, nOut]);
  } else if (!classes) {
    g.node('Sigmoid', [x], ['probability']);
    g.output('probability', 'float32', [batch, 1]);
  } else {
    const [probs] = g.node('Softmax', [x], ['probabilities'], { axis: attr.int(1) });
    g.output(probs, 'float32', [batch, nOut]);
    const isDefault = !isStringLabels(classes) && classes.every((c, i) => c === i);
    const [idx] = g.node('ArgMax', [probs], [isDefault ? 'label' : 'label_index'], {
      axis: attr.int(1),
      keepdims: attr.int(0),
    });
    if (!isDefault) {
      const table = g.initializer(
        'class_labels',
        isStringLabels(classes)
          ? { type: 'string', dims: [nOut], values: classes }
          : { type: 'int64', dims: [nOut], values: classes },
      );
      g.node('Gather', [table, idx], ['label'], { axis: attr.int(0) });
    }
    g.output('label', isStringLabels(classes) ? 'string' : 'int64', [batch]);
  }
  return g.toBytes();
}
