/**
 * Suites from YAML, with every problem at its file:line:col. A suite is a list; each
 * item is one expectation, in either of two spellings:
 *
 *   - expect_column_values_to_be_between: {column: age, min_value: 18, mostly: 0.99}
 *   - {expectation_type: expect_column_values_to_be_between, kwargs: {column: age, ...}}
 *
 * The second is Great Expectations' own JSON form (`type` as in GX 1.x works too), so
 * a GX suite file — a mapping with `expectations:` — reads as it is.
 */
import { createHash } from 'node:crypto';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml';
import { MloError } from '../errors.js';
import { compileExpectation, type ExpectationProblem } from './compile.js';
import type { ExpectationConfig, ExpectationSuite } from './types.js';

export interface ConfigProblemAt {
  line: number;
  col: number;
  message: string;
  hint?: string;
}

/** A parsed YAML document with positions, for locating problems. */
export class YamlSource {
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(
    text: string,
    /** the file as messages name it */
    readonly file: string,
  ) {
    this.doc = parseDocument(text, {
      lineCounter: this.lines,
      prettyErrors: false,
      uniqueKeys: true,
    });
    if (this.doc.errors.length > 0) {
      throw problemsError(
        file,
        this.doc.errors.map((e) => {
          const pos = this.lines.linePos(e.pos[0]);
          return { line: pos.line, col: pos.col, message: e.message.split('\n')[0] ?? e.message };
        }),
      );
    }
  }

  /** line and column of a node (or of the document start) */
  at(node: Node | null | undefined): { line: number; col: number } {
    const offset = node?.range?.[0];
    return offset === undefined ? { line: 1, col: 1 } : this.lines.linePos(offset);
  }

  where(node: Node | null | undefined): string {
    const p = this.at(node);
    return `${this.file}:${p.line}:${p.col}`;
  }
}

/** INVALID whose message is the first problem and whose hint holds the rest. */
export function problemsError(file: string, problems: ConfigProblemAt[]): MloError {
  const lines = problems.map((p) => `${file}:${p.line}:${p.col}: ${p.message}`);
  const hints = [...new Set(problems.flatMap((p) => (p.hint === undefined ? [] : [p.hint])))];
  return new MloError('INVALID', lines[0] ?? `${file}: invalid suite`, {
    hint: [...lines.slice(1), ...hints].join('\n') || undefined,
    details: { file, problems },
  });
}

function pairNode(map: YAMLMap, key: string): { key: Node; value: Node | null } | undefined {
  for (const pair of map.items) {
    if (isScalar(pair.key) && pair.key.value === key) {
      return { key: pair.key, value: (pair.value as Node | null) ?? null };
    }
  }
  return undefined;
}

/** The node a problem path points at, inside a kwargs map (as deep as it exists). */
function nodeAt(kwargsNode: Node | null, path: readonly (string | number)[]): Node | null {
  let node: Node | null = kwargsNode;
  for (const step of path) {
    if (node === null) return null;
    if (isMap(node)) {
      const pair = pairNode(node, String(step));
      if (pair === undefined) return node;
      node = pair.value ?? pair.key;
      if (path.length === 1) return pair.key;
    } else if (isSeq(node) && typeof step === 'number') {
      node = (node.items[step] as Node | undefined) ?? node;
    } else return node;
  }
  return node;
}

const shapeHint =
  'each item is one expectation: `- expect_column_values_to_not_be_null: {column: age}`';

/**
 * The suite held by the sequence at `path` of the document ([] = the document is the
 * list, or a GX suite mapping with `expectations:`).
 */
export function suiteFromYaml(
  source: YamlSource,
  options: { name: string; path?: readonly (string | number)[]; file?: string },
): ExpectationSuite {
  const path = options.path ?? [];
  let listNode = (
    path.length === 0 ? source.doc.contents : source.doc.getIn(path, true)
  ) as Node | null;
  if (path.length === 0 && isMap(listNode)) {
    listNode = pairNode(listNode, 'expectations')?.value ?? listNode;
  }
  if (!isSeq(listNode)) {
    const p = source.at(listNode);
    throw problemsError(source.file, [
      {
        ...p,
        message: `${path.length > 0 ? `${path.join('.')}: ` : ''}a suite is a list of expectations${listNode === null ? ', found nothing' : ''}`,
        hint: shapeHint,
      },
    ]);
  }
  const problems: ConfigProblemAt[] = [];
  const expectations: ExpectationConfig[] = [];
  listNode.items.forEach((item, i) => {
    const itemNode = item as Node | null;
    const here = [...path, i]
      .map((p) => (typeof p === 'number' ? `[${p}]` : p))
      .join('.')
      .replace(/\.\[/g, '[');
    const fail = (node: Node | null, message: string, hint?: string): void => {
      problems.push({ ...source.at(node ?? itemNode), message: `${here}: ${message}`, hint });
    };
    if (!isMap(itemNode)) {
      fail(itemNode, 'expected `expectation_name: {kwargs}`', shapeHint);
      return;
    }
    const typeNode = pairNode(itemNode, 'expectation_type') ?? pairNode(itemNode, 'type');
    let type: string;
    let nameNode: Node;
    let kwargsNode: Node | null;
    const raw: Record<string, unknown> = {};
    if (
      typeNode !== undefined &&
      (pairNode(itemNode, 'kwargs') !== undefined ||
        pairNode(itemNode, 'expectation_type') !== undefined)
    ) {
      // GX's form: {expectation_type, kwargs, meta, severity}
      const t = typeNode.value?.toJSON() as unknown;
      if (typeof t !== 'string') {
        fail(typeNode.value, 'expectation_type must be a name');
        return;
      }
      type = t;
      nameNode = typeNode.value ?? typeNode.key;
      kwargsNode = pairNode(itemNode, 'kwargs')?.value ?? null;
      for (const extra of ['meta', 'severity'] as const) {
        const p = pairNode(itemNode, extra);
        if (p !== undefined) raw[extra] = p.value?.toJSON() as unknown;
      }
    } else {
      if (itemNode.items.length !== 1) {
        fail(
          itemNode,
          `expected one expectation per item, found ${itemNode.items.length} keys`,
          shapeHint,
        );
        return;
      }
      const pair = itemNode.items[0];
      const key = pair.key as Node | null;
      if (!isScalar(key) || typeof key.value !== 'string') {
        fail(key, 'expected an expectation name as the key', shapeHint);
        return;
      }
      type = key.value;
      nameNode = key;
      kwargsNode = (pair.value as Node | null) ?? null;
    }
    if (
      kwargsNode !== null &&
      !isMap(kwargsNode) &&
      !(isScalar(kwargsNode) && kwargsNode.value === null)
    ) {
      fail(kwargsNode, `${type}: kwargs must be a mapping like {column: age}`);
      return;
    }
    const kwargs = isMap(kwargsNode) ? (kwargsNode.toJSON() as Record<string, unknown>) : {};
    Object.assign(raw, kwargs);
    const { compiled, problems: found } = compileExpectation(type, raw, source.where(nameNode));
    for (const p of found) locate(p, nameNode, isMap(kwargsNode) ? kwargsNode : null, itemNode);
    if (compiled !== undefined) expectations.push(compiled.config);

    function locate(p: ExpectationProblem, name: Node, kw: YAMLMap | null, item: YAMLMap): void {
      const first = String(p.path[0]);
      let node: Node | null = name;
      if (p.path.length > 0 && kw !== null && pairNode(kw, first) !== undefined)
        node = nodeAt(kw, p.path);
      // severity and meta written beside kwargs (GX's form) are found on the item
      else if (p.path.length > 0 && pairNode(item, first) !== undefined)
        node = nodeAt(item, p.path);
      problems.push({ ...source.at(node ?? name), message: `${here}: ${p.message}`, hint: p.hint });
    }
  });
  if (problems.length > 0) throw problemsError(source.file, problems);
  return makeSuite(options.name, options.file ?? source.file, expectations);
}

/** A suite with its content hash. */
export function makeSuite(
  name: string,
  file: string,
  expectations: ExpectationConfig[],
): ExpectationSuite {
  return { name, file, expectations, hash: suiteHash(expectations) };
}

/** sha256 of what decides results: each expectation's type, kwargs and severity. */
export function suiteHash(expectations: readonly ExpectationConfig[]): string {
  const canonical = expectations.map((e) => [e.expectation_type, sortKeys(e.kwargs), e.severity]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
