/**
 * Tree ensembles in ai.onnx.ml TreeEnsembleClassifier / TreeEnsembleRegressor, the ops
 * skl2onnx emits for decision trees, random forests and gradient boosting. Trees are
 * given as plain node arrays; the builder flattens them into the ops' parallel
 * attribute lists.
 */
import { MloError } from '../errors.js';
import {
  CLASS_LABELS_KEY,
  classLabelAttr,
  isStringLabels,
  resolveClasses,
  startGraph,
  type ClassLabels,
  type InputOptions,
} from './common.js';
import { attr, ML_DOMAIN, type Attr } from './graph.js';
import { addZipMap } from './linear.js';

export type BranchMode =
  'BRANCH_LEQ' | 'BRANCH_LT' | 'BRANCH_GTE' | 'BRANCH_GT' | 'BRANCH_EQ' | 'BRANCH_NEQ';

/** When `x[feature] <mode> threshold` holds, go to `left` (ONNX's "true" node), else `right`. */
export interface TreeBranch {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  /** default BRANCH_LEQ, scikit-learn's rule */
  mode?: BranchMode;
  /** a NaN feature takes the left (true) branch */
  missingGoesLeft?: boolean;
}

/** A scalar goes to the tree's `target` (class or regression target); an array gives one weight per target. */
export interface TreeLeaf {
  value: number | readonly number[];
}

export type TreeNode = TreeBranch | TreeLeaf;

export interface Tree {
  /** node i is nodes[i]; node 0 is the root */
  nodes: readonly TreeNode[];
  /** target / class index scalar leaf values add to (default 0) */
  target?: number;
}

export type PostTransform = 'NONE' | 'LOGISTIC' | 'SOFTMAX' | 'SOFTMAX_ZERO' | 'PROBIT';

export interface TreeEnsembleCommon extends InputOptions {
  nFeatures: number;
  trees: readonly Tree[];
  /** added to each target's sum before the post-transform (gradient boosting's init score) */
  baseValues?: readonly number[];
  postTransform?: PostTransform;
}

export interface TreeEnsembleClassifierSpec extends TreeEnsembleCommon {
  /**
   * Labels in probability-column order. A binary model may put all its weight on one
   * target (class 0) with LOGISTIC, as skl2onnx does for gradient boosting: the runtime
   * then returns [1 - p, p].
   */
  classes?: ClassLabels;
  /** `tensors`: `label` + `probabilities` (default); `zipmap`: `output_label` + seq(map) */
  outputs?: 'tensors' | 'zipmap';
}

export interface TreeEnsembleRegressorSpec extends TreeEnsembleCommon {
  nTargets?: number;
  aggregate?: 'SUM' | 'AVERAGE' | 'MIN' | 'MAX';
  /** default "variable" */
  outputName?: string;
}

interface Flattened {
  nodeAttrs: Record<string, Attr>;
  leafTree: number[];
  leafNode: number[];
  leafTarget: number[];
  leafWeight: number[];
  nTargets: number;
}

function isLeaf(node: TreeNode): node is TreeLeaf {
  return 'value' in node;
}

function flattenTrees(trees: readonly Tree[], nFeatures: number): Flattened {
  if (trees.length === 0) throw new MloError('USAGE', 'a tree ensemble needs at least one tree');
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const values: number[] = [];
  const modes: string[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missing: number[] = [];
  const out: Flattened = {
    nodeAttrs: {},
    leafTree: [],
    leafNode: [],
    leafTarget: [],
    leafWeight: [],
    nTargets: 1,
  };
  trees.forEach((tree, t) => {
    const where = (i: number): string => `tree ${t} node ${i}`;
    if (tree.nodes.length === 0) throw new MloError('USAGE', `tree ${t} has no nodes`);
    tree.nodes.forEach((node, i) => {
      treeIds.push(t);
      nodeIds.push(i);
      if (isLeaf(node)) {
        featureIds.push(0);
        values.push(0);
        modes.push('LEAF');
        trueIds.push(0);
        falseIds.push(0);
        missing.push(0);
        const weights = typeof node.value === 'number' ? null : node.value;
        if (weights === null) {
          pushLeaf(out, t, i, tree.target ?? 0, node.value as number);
        } else {
          weights.forEach((w, k) => pushLeaf(out, t, i, k, w));
        }
        return;
      }
      if (!Number.isInteger(node.feature) || node.feature < 0 || node.feature >= nFeatures) {
        throw new MloError(
          'USAGE',
          `${where(i)}: feature ${node.feature} is not in 0..${nFeatures - 1}`,
        );
      }
      for (const child of [node.left, node.right]) {
        if (!Number.isInteger(child) || child <= i || child >= tree.nodes.length) {
          throw new MloError(
            'USAGE',
            `${where(i)}: child ${child} must be a later node of the same tree (${i + 1}..${tree.nodes.length - 1})`,
          );
        }
      }
      featureIds.push(node.feature);
      values.push(node.threshold);
      modes.push(node.mode ?? 'BRANCH_LEQ');
      trueIds.push(node.left);
      falseIds.push(node.right);
      missing.push(node.missingGoesLeft ? 1 : 0);
    });
  });
  out.nodeAttrs = {
    nodes_treeids: attr.ints(treeIds),
    nodes_nodeids: attr.ints(nodeIds),
    nodes_featureids: attr.ints(featureIds),
    nodes_values: attr.floats(values),
    nodes_modes: attr.strings(modes),
    nodes_truenodeids: attr.ints(trueIds),
    nodes_falsenodeids: attr.ints(falseIds),
    nodes_missing_value_tracks_true: attr.ints(missing),
  };
  return out;
}

function pushLeaf(
  out: Flattened,
  tree: number,
  node: number,
  target: number,
  weight: number,
): void {
  if (!Number.isInteger(target) || target < 0) {
    throw new MloError('USAGE', `tree ${tree} node ${node}: target ${target} is not a valid index`);
  }
  out.leafTree.push(tree);
  out.leafNode.push(node);
  out.leafTarget.push(target);
  out.leafWeight.push(weight);
  out.nTargets = Math.max(out.nTargets, target + 1);
}

function baseAttrs(spec: TreeEnsembleCommon, nTargets: number): Record<string, Attr> {
  const attrs: Record<string, Attr> = {
    post_transform: attr.string(spec.postTransform ?? 'NONE'),
  };
  if (spec.baseValues) {
    if (spec.baseValues.length !== nTargets) {
      throw new MloError(
        'USAGE',
        `baseValues needs ${nTargets} values, got ${spec.baseValues.length}`,
      );
    }
    attrs.base_values = attr.floats(spec.baseValues);
  }
  return attrs;
}

export async function buildTreeEnsembleClassifier(
  spec: TreeEnsembleClassifierSpec,
): Promise<Uint8Array> {
  const flat = flattenTrees(spec.trees, spec.nFeatures);
  const nClasses = Math.max(2, spec.classes?.length ?? flat.nTargets);
  if (flat.nTargets > nClasses) {
    throw new MloError(
      'USAGE',
      `leaves address class ${flat.nTargets - 1} but there are ${nClasses} classes`,
    );
  }
  const classes = resolveClasses(spec.classes, nClasses);
  const { g, input } = startGraph(spec, spec.nFeatures, {
    name: 'tree_ensemble_classifier',
    metadata: { [CLASS_LABELS_KEY]: JSON.stringify(classes) },
  });
  const zipmap = spec.outputs === 'zipmap';
  const [labelKey, labelValues] = classLabelAttr(classes, 'classlabels_int64s');
  const [label, probs] = g.node(
    'TreeEnsembleClassifier',
    [input],
    zipmap ? ['output_label', 'probabilities'] : ['label', 'probabilities'],
    {
      ...flat.nodeAttrs,
      class_treeids: attr.ints(flat.leafTree),
      class_nodeids: attr.ints(flat.leafNode),
      class_ids: attr.ints(flat.leafTarget),
      class_weights: attr.floats(flat.leafWeight),
      [labelKey]: isStringLabels(classes)
        ? attr.strings(classes)
        : attr.ints(labelValues as number[]),
      ...baseAttrs(spec, flat.nTargets),
    },
    { domain: ML_DOMAIN },
  );
  const batch = spec.batchDim ?? null;
  g.output(label, isStringLabels(classes) ? 'string' : 'int64', [batch]);
  if (zipmap) addZipMap(g, probs, 'output_probability', classes);
  else g.output(probs, 'float32', [batch, nClasses]);
  return g.toBytes();
}

export async function buildTreeEnsembleRegressor(
  spec: TreeEnsembleRegressorSpec,
): Promise<Uint8Array> {
  const flat = flattenTrees(spec.trees, spec.nFeatures);
  const nTargets = spec.nTargets ?? flat.nTargets;
  if (flat.nTargets > nTargets) {
    throw new MloError(
      'USAGE',
      `leaves address target ${flat.nTargets - 1} but nTargets is ${nTargets}`,
    );
  }
  const { g, input } = startGraph(spec, spec.nFeatures, { name: 'tree_ensemble_regressor' });
  const outName = spec.outputName ?? 'variable';
  g.node(
    'TreeEnsembleRegressor',
    [input],
    [outName],
    {
      ...flat.nodeAttrs,
      target_treeids: attr.ints(flat.leafTree),
      target_nodeids: attr.ints(flat.leafNode),
      target_ids: attr.ints(flat.leafTarget),
      target_weights: attr.floats(flat.leafWeight),
      n_targets: attr.int(nTargets),
      aggregate_function: attr.string(spec.aggregate ?? 'SUM'),
      ...baseAttrs(spec, nTargets),
    },
    { domain: ML_DOMAIN },
  );
  g.output(outName, 'float32', [spec.batchDim ?? null, nTargets]);
  return g.toBytes();
}
