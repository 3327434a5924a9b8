/**
 * Read YAML config files through a zod schema and report every problem with
 * file:line:column, so a user can jump straight to the offending key.
 *
 * The readers are made over a given copy of the yaml package: yaml-file.ts binds the
 * bundled one; config-yaml.ts loads one only when a file is not plain YAML.
 */
import { readFileSync } from 'node:fs';
import type * as Yaml from 'yaml';
import type { Document } from 'yaml';
import type * as z from 'zod/mini';
import './schema.js';
import { MloError, errnoCode } from '../errors.js';
import { isNotFound } from './fs.js';

export interface ConfigProblem {
  line: number;
  col: number;
  path: string;
  message: string;
}

type PathKey = string | number;

function formatPath(path: readonly PathKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/**
 * How much alias expansion a YAML document may do (the yaml package's measure: each
 * alias resolution weighted by the aliases inside what it names). A "billion laughs"
 * document of nested aliases is refused instead of expanded into gigabytes.
 */
export const MAX_YAML_ALIASES = 100;

/**
 * The text of a config or data file. A missing file is undefined; a directory
 * where the file should be is an INVALID error naming it.
 */
export function readTextFile(file: string, displayPath = file): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    if (errnoCode(err) === 'EISDIR') {
      throw new MloError('INVALID', `${displayPath} is a directory; expected a file`);
    }
    throw err;
  }
}

/** Parses YAML text against a schema: parseYaml, or config-yaml.ts's parseConfigYaml. */
export type SchemaParser = <S extends z.ZodMiniType>(
  text: string,
  schema: S,
  displayPath: string,
) => z.infer<S>;

/** Read a YAML file and `parse` it; a missing file is NOT_FOUND naming it. */
export function readYamlFileWith<S extends z.ZodMiniType>(
  parse: SchemaParser,
  file: string,
  schema: S,
  displayPath = file,
): z.infer<S> {
  const text = readTextFile(file, displayPath);
  if (text === undefined) throw new MloError('NOT_FOUND', `${displayPath}: no such file`);
  return parse(text, schema, displayPath);
}

export function configError(displayPath: string, problems: ConfigProblem[]): MloError {
  const lines = problems.map(
    (p) => `${displayPath}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`,
  );
  const [first, ...rest] = lines;
  return new MloError('INVALID', first ?? `${displayPath}: invalid`, {
    hint: rest.length ? rest.join('\n') : undefined,
    details: { file: displayPath, problems },
  });
}

/** parseYaml, parseYamlValue and readYamlFile over the yaml package `Y`. */
export function yamlReaders(Y: typeof Yaml) {
  function nodeOffset(doc: Document, path: readonly PathKey[], key?: string): number | undefined {
    // Walk down as far as the path exists; report the deepest node we reach.
    for (let depth = path.length; depth >= 0; depth--) {
      const sub = path.slice(0, depth);
      const node = sub.length === 0 ? doc.contents : doc.getIn(sub, true);
      if (!Y.isNode(node)) continue;
      if (key !== undefined && depth === path.length && Y.isMap(node)) {
        const pair = node.items.find(
          (p) => Y.isPair(p) && Y.isScalar(p.key) && p.key.value === key,
        );
        if (pair && Y.isNode(pair.key) && pair.key.range) return pair.key.range[0];
      }
      if (node.range) return node.range[0];
    }
    return undefined;
  }

  /** The data of a parsed document; an alias bomb becomes a one-line INVALID error. */
  function toData(doc: Document, displayPath: string): unknown {
    try {
      return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      if (!(err instanceof ReferenceError)) throw err;
      throw new MloError(
        'INVALID',
        `${displayPath}: its YAML aliases expand too much (more than ${MAX_YAML_ALIASES}); refusing what looks like an alias bomb`,
        { hint: 'write the repeated values out, or use fewer nested aliases (*name)' },
      );
    }
  }

  /** Parse YAML text of any shape (params, metrics): INVALID errors with line and column. */
  function parseYamlValue(text: string, displayPath: string): unknown {
    const lineCounter = new Y.LineCounter();
    const doc = Y.parseDocument(text, { lineCounter, prettyErrors: false });
    if (doc.errors.length) {
      const err = doc.errors[0];
      const pos = lineCounter.linePos(err.pos[0]);
      throw configError(displayPath, [
        {
          line: pos.line,
          col: pos.col,
          path: '',
          message: err.message.split('\n')[0] ?? err.message,
        },
      ]);
    }
    return toData(doc, displayPath);
  }

  /** Parse YAML text against a schema; throws MloError(INVALID) listing every problem. */
  function parseYaml<S extends z.ZodMiniType>(
    text: string,
    schema: S,
    displayPath: string,
  ): z.infer<S> {
    const lineCounter = new Y.LineCounter();
    const doc = Y.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
    const problems: ConfigProblem[] = [];
    for (const err of doc.errors) {
      const pos = lineCounter.linePos(err.pos[0]);
      problems.push({
        line: pos.line,
        col: pos.col,
        path: '',
        message: err.message.split('\n')[0] ?? err.message,
      });
    }
    if (problems.length === 0) {
      const data: unknown = toData(doc, displayPath) ?? {};
      const result = schema.safeParse(data);
      if (result.success) return result.data;
      for (const issue of result.error.issues) {
        const path = issue.path.filter((p): p is PathKey => typeof p !== 'symbol');
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        const offset = nodeOffset(doc, path, keys[0]);
        const pos = offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);
        const where = formatPath(keys.length ? [...path, keys[0]] : path);
        problems.push({ line: pos.line, col: pos.col, path: where, message: issue.message });
      }
    }
    throw configError(displayPath, problems);
  }

  /** Read and validate a YAML file; a missing file is NOT_FOUND naming it. */
  function readYamlFile<S extends z.ZodMiniType>(
    file: string,
    schema: S,
    displayPath = file,
  ): z.infer<S> {
    return readYamlFileWith(parseYaml, file, schema, displayPath);
  }

  return { parseYaml, parseYamlValue, readYamlFile };
}
