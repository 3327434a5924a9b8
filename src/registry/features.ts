/**
 * The feature names of a model version, in input order: what lets `mlo eval` and
 * `mlo serve` take rows by column name. Taken from, in order: `--features`, the model's
 * own `mlo.feature_names` metadata, the columns of `--baseline-data` minus its target,
 * and the input names of a model with one [N, 1] input per feature.
 */
import { MloError } from '../errors.js';
import type { ModelSignature } from '../onnx/index.js';
import { FEATURE_NAMES_KEY } from '../train/index.js';
import type { FeaturesSource } from './records.js';

export interface FeatureChoice {
  features: string[] | null;
  source: FeaturesSource | null;
  warnings: string[];
}

export interface ChooseFeaturesInput {
  signature: ModelSignature;
  /** `--features` */
  flag?: readonly string[];
  /** columns of the baseline data file, and its target column */
  baseline?: { file: string; columns: readonly string[]; target?: string };
  /** the model file, for messages */
  label: string;
}

/** How many features the model takes, when its inputs say so. */
export function modelFeatureCount(signature: ModelSignature): number | null {
  const inputs = signature.inputs;
  if (inputs.length === 1) {
    const d = inputs[0].shape?.[1];
    return typeof d === 'number' ? d : null;
  }
  return inputs.length;
}

export function chooseFeatures(input: ChooseFeaturesInput): FeatureChoice {
  const { signature, label } = input;
  const count = modelFeatureCount(signature);
  const warnings: string[] = [];
  const check = (names: string[], from: string): string[] => {
    checkNames(names, from);
    if (count !== null && names.length !== count) {
      throw new MloError(
        'INVALID',
        `${from} name ${names.length} feature(s) but ${label} takes ${count}`,
        { hint: "pass the model's features in input order with --features a,b,c" },
      );
    }
    return names;
  };

  if (input.flag && input.flag.length > 0) {
    return { features: check([...input.flag], '--features'), source: 'flag', warnings };
  }
  const recorded = signature.metadata[FEATURE_NAMES_KEY];
  if (recorded !== undefined) {
    const names = parseRecorded(recorded);
    if (names)
      return {
        features: check(names, `the model's ${FEATURE_NAMES_KEY}`),
        source: 'metadata',
        warnings,
      };
    warnings.push(`${label}: ignoring ${FEATURE_NAMES_KEY}: not a JSON list of names`);
  }
  if (input.baseline) {
    const { file, columns, target } = input.baseline;
    if (target !== undefined && !columns.includes(target)) {
      throw new MloError(
        'INVALID',
        `${file}: no target column "${target}"; available: ${columns.map((c) => JSON.stringify(c)).join(', ')}`,
      );
    }
    const names = columns.filter((c) => c !== target);
    if (count !== null && names.length !== count) {
      const t = target === undefined ? ' (no --target given)' : ` minus target ${target}`;
      throw new MloError(
        'INVALID',
        `${file} has ${names.length} column(s)${t} but ${label} takes ${count} features`,
        {
          hint:
            target === undefined
              ? 'name the label column with --target, or list the features with --features'
              : 'list the features in input order with --features a,b,c',
        },
      );
    }
    return { features: check(names, file), source: 'baseline-data', warnings };
  }
  if (signature.inputs.length > 1) {
    return { features: signature.inputs.map((i) => i.name), source: 'inputs', warnings };
  }
  warnings.push(
    `${label}: no feature names (no --features, no ${FEATURE_NAMES_KEY} metadata, no --baseline-data): eval will use the data's columns minus the target, in file order, and serve will take only positional inputs`,
  );
  return { features: null, source: null, warnings };
}

function parseRecorded(text: string): string[] | null {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // fall through
  }
  return null;
}

function checkNames(names: readonly string[], from: string): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (n.trim() === '') throw new MloError('USAGE', `${from}: empty feature name`);
    if (seen.has(n)) throw new MloError('USAGE', `${from}: feature "${n}" is listed twice`);
    seen.add(n);
  }
}

/** `a,b,c` → names (spaces around commas ignored). */
export function splitFeatureList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
