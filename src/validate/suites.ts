/**
 * Finding a suite: by name under `validation:` in mlo.yaml, or a file holding just the
 * list. mlo.yaml's other sections belong to other capabilities; only `validation:` is
 * read here, so a problem elsewhere in the file does not stop validation.
 *
 *   validation:
 *     raw:                      # a suite written in place
 *       - expect_column_values_to_not_be_null: {column: age}
 *     holdout: suites/holdout.yaml   # or a file holding the list
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { isMap, isScalar, type Node } from 'yaml';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { isNotFound } from '../util/fs.js';
import { closestMatch } from './similar.js';
import { problemsError, suiteFromYaml, YamlSource } from './suite.js';
import type { ExpectationSuite } from './types.js';

/** The project file that holds pipeline stages, suites and gates. */
export const PROJECT_FILE = 'mlo.yaml';

export interface SuiteInfo {
  name: string;
  /** where its expectations are: mlo.yaml, or the file it points to */
  file: string;
}

/** A path rather than a name: it has a directory part or a YAML/JSON extension. */
export function isSuitePath(ref: string): boolean {
  return ref.includes('/') || ref.includes(sep) || /\.(ya?ml|json)$/i.test(ref);
}

/** The path as messages and the store show it: repo-relative when inside the repo. */
export function displayPath(repo: Repo, abs: string): string {
  const rel = relative(repo.root, abs);
  return rel.startsWith('..') || isAbsolute(rel) ? abs : rel.split(sep).join('/');
}

function readText(abs: string, shown: string): string {
  try {
    return readFileSync(abs, 'utf8');
  } catch (err) {
    if (isNotFound(err)) throw new MloError('NOT_FOUND', `${shown}: no such file`);
    throw err;
  }
}

/** The `validation:` mapping of mlo.yaml, or null when the file or the section is absent. */
function validationSection(
  repo: Repo,
): { source: YamlSource; node: Node & { items: unknown[] } } | null {
  const abs = join(repo.root, PROJECT_FILE);
  if (!existsSync(abs)) return null;
  const source = new YamlSource(readText(abs, PROJECT_FILE), PROJECT_FILE);
  const root = source.doc.contents as Node | null;
  if (root === null || (isScalar(root) && root.value === null)) return null;
  if (!isMap(root)) {
    throw problemsError(PROJECT_FILE, [
      { ...source.at(root), message: 'expected a mapping at the top level' },
    ]);
  }
  const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'validation');
  if (pair === undefined) return null;
  const node = (pair.value as Node | null) ?? null;
  if (node === null || (isScalar(node) && node.value === null)) return null;
  if (!isMap(node)) {
    throw problemsError(PROJECT_FILE, [
      {
        ...source.at(node),
        message: 'validation: expected a mapping of suite names to lists of expectations',
      },
    ]);
  }
  return { source, node };
}

/** The suites mlo.yaml names, in file order. */
export function listSuites(repo: Repo): SuiteInfo[] {
  const section = validationSection(repo);
  if (section === null) return [];
  const { source, node } = section;
  if (!isMap(node)) return [];
  return node.items.map((pair) => {
    const key = pair.key as Node | null;
    if (!isScalar(key) || typeof key.value !== 'string') {
      throw problemsError(PROJECT_FILE, [
        { ...source.at(key), message: 'validation: suite names must be text' },
      ]);
    }
    const value = pair.value as Node | null;
    const file = isScalar(value) && typeof value.value === 'string' ? value.value : PROJECT_FILE;
    return { name: key.value, file };
  });
}

export interface LoadSuiteOptions {
  /** where a relative suite path starts (default: the repo root) */
  cwd?: string;
}

/**
 * The suite `ref` names: a path to a suite file, or a name under `validation:` in
 * mlo.yaml. Without a ref, mlo.yaml's only suite.
 */
export function loadSuite(
  repo: Repo,
  ref?: string,
  options: LoadSuiteOptions = {},
): ExpectationSuite {
  const cwd = options.cwd ?? repo.root;
  if (ref !== undefined && isSuitePath(ref)) return loadSuiteFile(repo, resolve(cwd, ref));
  const section = validationSection(repo);
  const names = section === null ? [] : listSuites(repo).map((s) => s.name);
  if (ref === undefined) {
    if (names.length === 1) return loadSuite(repo, names[0], options);
    if (names.length === 0) {
      throw new MloError(
        'USAGE',
        `no validation suites in ${PROJECT_FILE}; name a suite file with --suite PATH`,
        {
          hint: 'add one under `validation: <name>:` in mlo.yaml, or write one with `mlo validate FILE --infer --out suite.yaml`',
        },
      );
    }
    throw new MloError(
      'USAGE',
      `${PROJECT_FILE} has ${names.length} suites; choose one with --suite NAME`,
      {
        hint: `suites: ${names.join(', ')}`,
      },
    );
  }
  if (section === null || !names.includes(ref)) {
    const asFile = resolve(cwd, ref);
    if (existsSync(asFile)) return loadSuiteFile(repo, asFile);
    const near = closestMatch(ref, names);
    throw new MloError(
      'NOT_FOUND',
      `no suite "${ref}" under validation: in ${PROJECT_FILE}${near === undefined ? '' : ` (did you mean "${near}"?)`}`,
      {
        hint:
          names.length > 0
            ? `suites: ${names.join(', ')}`
            : 'define it under `validation: <name>:` in mlo.yaml, or pass a suite file',
      },
    );
  }
  const { source, node } = section;
  if (!isMap(node)) throw new MloError('INTERNAL', 'validation section is not a mapping');
  const value = node.items.find((p) => isScalar(p.key) && p.key.value === ref)
    ?.value as Node | null;
  if (isScalar(value) && typeof value.value === 'string') {
    return { ...loadSuiteFile(repo, resolve(repo.root, value.value)), name: ref };
  }
  return suiteFromYaml(source, { name: ref, path: ['validation', ref] });
}

/** A file holding just the list (or a GX suite with `expectations:`). */
export function loadSuiteFile(repo: Repo, abs: string): ExpectationSuite {
  const shown = displayPath(repo, abs);
  const source = new YamlSource(readText(abs, shown), shown);
  return suiteFromYaml(source, { name: shown });
}
