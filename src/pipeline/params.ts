/**
 * Params files (params.yaml by default, or any YAML/JSON file): reading the keys a
 * stage declares, and editing values for `--set` while keeping the user's comments.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { isScalar, parse as parseYamlText, parseDocument, stringify } from 'yaml';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { isNotFound } from '../util/fs.js';
import { parseDataText, type ParamValue } from '../tracking/index.js';
import type { ParamDecl } from './load.js';
import { readTextFile } from '../util/yaml-file.js';

export const DEFAULT_PARAMS_FILE = 'params.yaml';

/** The parsed content of a params file; `{}` for an absent optional file. */
export function readParamsValues(
  repo: Repo,
  file: string,
  options: { optional?: boolean } = {},
): Record<string, unknown> {
  const text = readTextFile(join(repo.root, file), file);
  if (text === undefined) {
    if (options.optional) return {};
    throw new MloError('NOT_FOUND', `params file ${file}: no such file`);
  }
  const data = parseDataText(text, file);
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new MloError('INVALID', `${file}: a params file must be a map of keys to values`);
  }
  return data as Record<string, unknown>;
}

/** The value at a dotted key (`train.lr`), or undefined. */
export function valueAt(data: Record<string, unknown>, key: string): unknown {
  if (key in data) return data[key];
  let v: unknown = data;
  for (const part of key.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v) || !(part in v)) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** file → key → value, for the keys a stage declares (every key when it lists none). */
export type ParamValues = Record<string, Record<string, unknown>>;

/** Reads each params file once per repro. */
export class ParamsReader {
  private readonly files = new Map<string, Record<string, unknown>>();

  constructor(private readonly repo: Repo) {}

  file(name: string): Record<string, unknown> {
    let data = this.files.get(name);
    if (!data) {
      data = readParamsValues(this.repo, name);
      this.files.set(name, data);
    }
    return data;
  }

  /** The values of a stage's params; a missing key is an error naming stage, file and key. */
  values(stageName: string, decls: ParamDecl[]): ParamValues {
    const out: ParamValues = {};
    for (const d of decls) {
      let data: Record<string, unknown>;
      try {
        data = this.file(d.file);
      } catch (err) {
        if (err instanceof MloError && err.code === 'NOT_FOUND') {
          throw new MloError(
            'NOT_FOUND',
            `stage ${stageName}: params file ${d.file} does not exist`,
            {
              hint: `create ${d.file}, or remove the params of ${stageName} from mlo.yaml`,
            },
          );
        }
        throw err;
      }
      const values = (out[d.file] ??= {});
      if (d.keys.length === 0) Object.assign(values, data);
      for (const key of d.keys) {
        const v = valueAt(data, key);
        if (v === undefined) {
          throw new MloError('NOT_FOUND', `stage ${stageName}: param ${key} is not in ${d.file}`);
        }
        values[key] = v;
      }
    }
    return out;
  }
}

/** Params as a run records them: `train.lr`, or `file.yaml:key` for other files. */
export function flattenParamValues(values: ParamValues): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [file, keys] of Object.entries(values)) {
    for (const [k, v] of Object.entries(keys)) {
      out[file === DEFAULT_PARAMS_FILE ? k : `${file}:${k}`] = v as ParamValue;
    }
  }
  return out;
}

export interface ParamAssignment {
  file: string;
  key: string;
  value: unknown;
}

/** `train.lr=0.1` or `other.yaml:train.lr=0.1`; the value is read as YAML (0.1 is a number). */
export function parseSetArg(arg: string): ParamAssignment {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new MloError('USAGE', `--set ${arg}: expected key=value (e.g. train.lr=0.01)`);
  const lhs = arg.slice(0, eq).trim();
  const colon = lhs.lastIndexOf(':');
  const file = colon > 0 ? lhs.slice(0, colon) : DEFAULT_PARAMS_FILE;
  const key = colon > 0 ? lhs.slice(colon + 1) : lhs;
  const norm = posix.normalize(file.replace(/\\/g, '/'));
  const top = norm.split('/')[0];
  if (
    norm.startsWith('/') ||
    /^[A-Za-z]:/.test(norm) ||
    ['..', '.git', '.mlo', '.'].includes(top)
  ) {
    throw new MloError('USAGE', `--set ${arg}: ${file} is not a params file inside the repository`);
  }
  if (!key || key.split('.').some((p) => p === '')) {
    throw new MloError(
      'USAGE',
      `--set ${arg}: "${key}" is not a key (use dots between levels: train.lr)`,
    );
  }
  return { file, key, value: parseScalar(arg.slice(eq + 1)) };
}

export function parseScalar(text: string): unknown {
  try {
    return parseYamlText(text) as unknown;
  } catch {
    return text;
  }
}

/** Apply assignments to their files, keeping comments and layout. Returns the files touched. */
export function setParams(repo: Repo, assignments: ParamAssignment[]): string[] {
  const byFile = new Map<string, ParamAssignment[]>();
  for (const a of assignments) byFile.set(a.file, [...(byFile.get(a.file) ?? []), a]);
  for (const [file, list] of byFile) {
    const abs = join(repo.root, file);
    let text = '';
    try {
      text = readFileSync(abs, 'utf8');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (file.toLowerCase().endsWith('.json')) {
      const data = (text.trim() ? JSON.parse(text) : {}) as Record<string, unknown>;
      for (const a of list) setIn(data, a.key.split('.'), a.value);
      writeFileAtomic(abs, `${JSON.stringify(data, null, 2)}\n`);
    } else {
      writeFileAtomic(abs, editYaml(text, file, list));
    }
  }
  return [...byFile.keys()];
}

/**
 * Set values in YAML text. A key that exists as a plain scalar has just its value
 * replaced in the text, so spacing and comments around it stay byte for byte (a
 * clean git diff); new keys go through the document model.
 */
function editYaml(text: string, file: string, list: ParamAssignment[]): string {
  const doc = parseDocument(text);
  if (doc.errors.length) {
    throw new MloError(
      'INVALID',
      `${file}: not valid YAML: ${doc.errors[0].message.split('\n')[0]}`,
    );
  }
  const splices: [number, number, string][] = [];
  const structural: ParamAssignment[] = [];
  for (const a of list) {
    const node = doc.getIn(a.key.split('.'), true);
    const isLeaf = a.value === null || typeof a.value !== 'object';
    if (
      isScalar(node) &&
      node.range &&
      isLeaf &&
      node.type !== 'BLOCK_LITERAL' &&
      node.type !== 'BLOCK_FOLDED'
    ) {
      const rendered = stringify(a.value, { lineWidth: 0 }).replace(/\n$/, '');
      if (!rendered.includes('\n')) {
        splices.push([node.range[0], node.range[1], rendered]);
        continue;
      }
    }
    structural.push(a);
  }
  let out = text;
  for (const [start, end, value] of splices.sort((x, y) => y[0] - x[0])) {
    out = out.slice(0, start) + value + out.slice(end);
  }
  if (structural.length === 0) return out;
  const doc2 = parseDocument(out);
  if (doc2.contents === null)
    doc2.contents = doc2.createNode({}) as unknown as typeof doc2.contents;
  for (const a of structural) doc2.setIn(a.key.split('.'), a.value);
  return doc2.toString();
}

function setIn(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o = obj;
  for (const p of path.slice(0, -1)) {
    if (o[p] === null || typeof o[p] !== 'object') o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[path[path.length - 1]] = value;
}
