/**
 * Gradient-boosted trees (shallow, histogram-based, second-order leaf values in the
 * XGBoost style) for classification (log-loss; softmax for more than two classes) and
 * regression (squared error). Trees come out in the node-array form the ONNX
 * TreeEnsemble builders take.
 *
 * Features are rounded to float32 before binning and thresholds are float32 data
 * values, so the trainer's `x <= threshold` and onnxruntime's agree on every row.
 * NaN is a missing value: each split learns which side missing values take.
 */
import { MloError } from '../errors.js';
import type { Tree, TreeNode } from '../onnx/index.js';
import {
  checkTargets,
  encodeLabels,
  toDense,
  type Dense,
  type Features,
  type Label,
} from './data.js';
import { sigmoid, softmax } from './logistic.js';
import { createRng } from './rng.js';

export interface GradientBoostingOptions {
  /** boosting rounds (default 100); a multiclass model grows one tree per class per round */
  nRounds?: number;
  /** 1..6, default 3 */
  maxDepth?: number;
  /** default 0.1 */
  learningRate?: number;
  /** fewest training rows in a leaf (default 10) */
  minSamplesLeaf?: number;
  /** L2 penalty on leaf values (default 1) */
  l2?: number;
  /** fraction of rows each tree sees, drawn without replacement (default 1) */
  subsample?: number;
  /** histogram bins per feature, 2..255 (default 64) */
  maxBins?: number;
  seed?: number;
  featureNames?: readonly string[];
}

export interface GradientBoostingModel {
  kind: 'gbt';
  task: 'classification' | 'regression';
  /** sorted class labels (classification), else null */
  classes: Label[] | null;
  /** initial score per target: one for regression and binary, one per class otherwise */
  baseValues: number[];
  /** leaf values already include the learning rate; `target` is the class a tree scores */
  trees: Tree[];
  nFeatures: number;
  featureNames: string[] | null;
}

interface Binned {
  /** column-major bin indices; MISSING for NaN */
  bins: Uint8Array[];
  /** per feature, the float32 upper edge of each bin */
  edges: Float64Array[];
}

const MISSING = 255;

export function trainGradientBoostingClassifier(
  X: Features,
  y: readonly Label[],
  options: GradientBoostingOptions = {},
): GradientBoostingModel {
  const d = toDense(X, { allowNaN: true });
  const { classes, index } = encodeLabels(y, d.nRows);
  const K = classes.length === 2 ? 1 : classes.length;
  const n = d.nRows;
  const counts = new Array<number>(classes.length).fill(0);
  for (const c of index) counts[c]++;
  const clip = (p: number): number => Math.min(1 - 1e-6, Math.max(1e-6, p));
  const base =
    K === 1
      ? [Math.log(clip(counts[1] / n) / (1 - clip(counts[1] / n)))]
      : counts.map((c) => Math.log(clip(c / n)));

  const gradients = (scores: Float64Array, g: Float64Array[], h: Float64Array[]): void => {
    for (let i = 0; i < n; i++) {
      if (K === 1) {
        const p = sigmoid(scores[i]);
        g[0][i] = p - index[i];
        h[0][i] = Math.max(p * (1 - p), 1e-16);
        continue;
      }
      const p = softmax(Array.from(scores.subarray(i * K, (i + 1) * K)));
      for (let k = 0; k < K; k++) {
        g[k][i] = p[k] - (index[i] === k ? 1 : 0);
        h[k][i] = Math.max(p[k] * (1 - p[k]), 1e-16);
      }
    }
  };
  const trees = boost(d, K, base, gradients, options);
  return {
    kind: 'gbt',
    task: 'classification',
    classes,
    baseValues: base.map(Math.fround),
    trees,
    nFeatures: d.nFeatures,
    featureNames: options.featureNames ? [...options.featureNames] : null,
  };
}

export function trainGradientBoostingRegressor(
  X: Features,
  y: readonly number[],
  options: GradientBoostingOptions = {},
): GradientBoostingModel {
  const d = toDense(X, { allowNaN: true });
  const t = checkTargets(y, d.nRows);
  const base = [t.reduce((a, b) => a + b, 0) / d.nRows];
  const gradients = (scores: Float64Array, g: Float64Array[], h: Float64Array[]): void => {
    for (let i = 0; i < d.nRows; i++) {
      g[0][i] = scores[i] - t[i];
      h[0][i] = 1;
    }
  };
  const trees = boost(d, 1, base, gradients, options);
  return {
    kind: 'gbt',
    task: 'regression',
    classes: null,
    baseValues: base.map(Math.fround),
    trees,
    nFeatures: d.nFeatures,
    featureNames: options.featureNames ? [...options.featureNames] : null,
  };
}

/** Raw scores per row (base + trees), one per target, as the ONNX ensembles sum them. */
export function gbtScores(model: GradientBoostingModel, X: Features): number[][] {
  const d = toDense(X, { allowNaN: true });
  const K = model.baseValues.length;
  const out: number[][] = [];
  const row = new Array<number>(d.nFeatures);
  for (let i = 0; i < d.nRows; i++) {
    for (let j = 0; j < d.nFeatures; j++) row[j] = Math.fround(d.data[i * d.nFeatures + j]);
    const s = [...model.baseValues];
    for (const tree of model.trees) s[tree.target ?? 0] += leafValue(tree.nodes, row);
    out.push(s.slice(0, K));
  }
  return out;
}

/** Class probabilities in `model.classes` order. */
export function predictGbtProba(model: GradientBoostingModel, X: Features): number[][] {
  if (model.task !== 'classification') throw new MloError('USAGE', 'not a classifier');
  return gbtScores(model, X).map((s) =>
    s.length === 1 ? [1 - sigmoid(s[0]), sigmoid(s[0])] : softmax(s),
  );
}

export function predictGbtValues(model: GradientBoostingModel, X: Features): number[] {
  if (model.task !== 'regression') throw new MloError('USAGE', 'not a regressor');
  return gbtScores(model, X).map((s) => s[0]);
}

function leafValue(nodes: readonly TreeNode[], x: readonly number[]): number {
  let i = 0;
  for (;;) {
    const node = nodes[i];
    if ('value' in node) return node.value as number;
    const v = x[node.feature];
    i = (Number.isNaN(v) ? node.missingGoesLeft : v <= node.threshold) ? node.left : node.right;
  }
}

type GradientFn = (scores: Float64Array, g: Float64Array[], h: Float64Array[]) => void;

function boost(
  d: Dense,
  K: number,
  base: number[],
  gradients: GradientFn,
  options: GradientBoostingOptions,
): Tree[] {
  const nRounds = options.nRounds ?? 100;
  const maxDepth = options.maxDepth ?? 3;
  const lr = options.learningRate ?? 0.1;
  const subsample = options.subsample ?? 1;
  const maxBins = options.maxBins ?? 64;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 6) {
    throw new MloError('USAGE', `maxDepth must be 1..6, got ${maxDepth}`);
  }
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 254) {
    throw new MloError('USAGE', `maxBins must be 2..254, got ${maxBins}`);
  }
  if (!(subsample > 0 && subsample <= 1)) {
    throw new MloError('USAGE', `subsample must be in (0, 1], got ${subsample}`);
  }
  const n = d.nRows;
  const binned = binFeatures(d, maxBins);
  const grower = new TreeGrower(binned, {
    maxDepth,
    minLeaf: Math.max(1, options.minSamplesLeaf ?? 10),
    l2: options.l2 ?? 1,
    lr,
  });
  const rng = createRng(options.seed ?? 0);
  const scores = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) scores[i * K + k] = Math.fround(base[k]);
  const g = Array.from({ length: K }, () => new Float64Array(n));
  const h = Array.from({ length: K }, () => new Float64Array(n));
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const take = Math.max(1, Math.round(subsample * n));
  const trees: Tree[] = [];

  for (let round = 0; round < nRounds; round++) {
    gradients(scores, g, h);
    let rows = all;
    if (take < n) rows = Int32Array.from(rng.shuffle(Array.from(all)).slice(0, take)).sort();
    for (let k = 0; k < K; k++) {
      const tree = grower.grow(rows, g[k], h[k]);
      const nodes = tree.map(toTreeNode);
      trees.push(K === 1 ? { nodes } : { nodes, target: k });
      for (let i = 0; i < n; i++) scores[i * K + k] += grower.leafFor(tree, i);
    }
  }
  return trees;
}

type GrowNode =
  | {
      feature: number;
      bin: number;
      threshold: number;
      missingLeft: boolean;
      left: number;
      right: number;
    }
  | { value: number };

function toTreeNode(node: GrowNode): TreeNode {
  if ('value' in node) return { value: node.value };
  return {
    feature: node.feature,
    threshold: node.threshold,
    left: node.left,
    right: node.right,
    ...(node.missingLeft ? { missingGoesLeft: true } : {}),
  };
}

interface GrowerOptions {
  maxDepth: number;
  minLeaf: number;
  l2: number;
  lr: number;
}

class TreeGrower {
  private readonly histG = new Float64Array(256);
  private readonly histH = new Float64Array(256);
  private readonly histN = new Int32Array(256);

  constructor(
    private readonly data: Binned,
    private readonly opts: GrowerOptions,
  ) {}

  grow(rows: Int32Array, g: Float64Array, h: Float64Array): GrowNode[] {
    const nodes: GrowNode[] = [];
    const build = (idx: Int32Array, depth: number): number => {
      const at = nodes.length;
      let G = 0;
      let H = 0;
      for (let r = 0; r < idx.length; r++) {
        G += g[idx[r]];
        H += h[idx[r]];
      }
      const split = depth < this.opts.maxDepth ? this.bestSplit(idx, g, h, G, H) : null;
      if (!split) {
        nodes.push({ value: Math.fround((-G / (H + this.opts.l2)) * this.opts.lr) });
        return at;
      }
      nodes.push({ ...split, left: 0, right: 0 });
      const col = this.data.bins[split.feature];
      const goesLeft = (i: number): boolean =>
        col[i] === MISSING ? split.missingLeft : col[i] <= split.bin;
      const leftRows: number[] = [];
      const rightRows: number[] = [];
      for (let r = 0; r < idx.length; r++) (goesLeft(idx[r]) ? leftRows : rightRows).push(idx[r]);
      const left = build(Int32Array.from(leftRows), depth + 1);
      const right = build(Int32Array.from(rightRows), depth + 1);
      nodes[at] = { ...split, left, right };
      return at;
    };
    build(rows, 0);
    return nodes;
  }

  /** The leaf value training row `i` lands in (by bins, equivalent to thresholds on its data). */
  leafFor(nodes: GrowNode[], i: number): number {
    let at = 0;
    for (;;) {
      const node = nodes[at];
      if ('value' in node) return node.value;
      const b = this.data.bins[node.feature][i];
      at = (b === MISSING ? node.missingLeft : b <= node.bin) ? node.left : node.right;
    }
  }

  private bestSplit(
    idx: Int32Array,
    g: Float64Array,
    h: Float64Array,
    G: number,
    H: number,
  ): { feature: number; bin: number; threshold: number; missingLeft: boolean } | null {
    const { minLeaf, l2 } = this.opts;
    if (idx.length < 2 * minLeaf) return null;
    const parent = (G * G) / (H + l2);
    let best: { feature: number; bin: number; threshold: number; missingLeft: boolean } | null =
      null;
    let bestGain = 1e-9;
    const { histG, histH, histN } = this;
    for (let f = 0; f < this.data.bins.length; f++) {
      const col = this.data.bins[f];
      const nBins = this.data.edges[f].length;
      if (nBins < 2) continue;
      histG.fill(0, 0, nBins);
      histH.fill(0, 0, nBins);
      histN.fill(0, 0, nBins);
      histG[MISSING] = 0;
      histH[MISSING] = 0;
      histN[MISSING] = 0;
      for (let r = 0; r < idx.length; r++) {
        const i = idx[r];
        const b = col[i];
        histG[b] += g[i];
        histH[b] += h[i];
        histN[b]++;
      }
      const mG = histG[MISSING];
      const mH = histH[MISSING];
      const mN = histN[MISSING];
      let gl = 0;
      let hl = 0;
      let nl = 0;
      // The last bin holds the maximum: splitting after it sends everything left.
      for (let b = 0; b < nBins - 1; b++) {
        gl += histG[b];
        hl += histH[b];
        nl += histN[b];
        for (let side = mN > 0 ? 0 : 1; side < 2; side++) {
          // side 0: missing values go left; side 1: right (the only option without any)
          const missingLeft = side === 0;
          const GL = gl + (missingLeft ? mG : 0);
          const HL = hl + (missingLeft ? mH : 0);
          const NL = nl + (missingLeft ? mN : 0);
          const NR = idx.length - NL;
          if (NL < minLeaf || NR < minLeaf) continue;
          const GR = G - GL;
          const HR = H - HL;
          const gain = (GL * GL) / (HL + l2) + (GR * GR) / (HR + l2) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            best = { feature: f, bin: b, threshold: this.data.edges[f][b], missingLeft };
          }
        }
      }
    }
    return best;
  }
}

/** Quantile bins over float32-rounded values; each bin's edge is its largest value. */
function binFeatures(d: Dense, maxBins: number): Binned {
  const { data, nRows: n, nFeatures: F } = d;
  const bins: Uint8Array[] = [];
  const edges: Float64Array[] = [];
  for (let j = 0; j < F; j++) {
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = data[i * F + j];
      if (!Number.isNaN(v)) values.push(Math.fround(v));
    }
    values.sort((a, b) => a - b);
    const unique: number[] = [];
    for (const v of values)
      if (unique.length === 0 || unique[unique.length - 1] !== v) unique.push(v);
    let e: number[];
    if (unique.length <= maxBins) {
      e = unique;
    } else {
      e = [];
      for (let q = 1; q <= maxBins; q++) {
        const v = values[Math.min(values.length - 1, Math.ceil((q * values.length) / maxBins) - 1)];
        if (e.length === 0 || e[e.length - 1] !== v) e.push(v);
      }
    }
    const edge = Float64Array.from(e);
    const col = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = data[i * F + j];
      col[i] = Number.isNaN(v) ? MISSING : lowerBound(edge, Math.fround(v));
    }
    bins.push(col);
    edges.push(edge);
  }
  return { bins, edges };
}

/** Index of the first edge >= v (v never exceeds the last edge for training data). */
function lowerBound(edges: Float64Array, v: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
