/** `mlo validate FILE --infer [--out PATH]`: infer a suite and write it as YAML. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { statOrNull } from '../util/fs.js';
import type { ProgressFn } from '../util/progress.js';
import { inferSuite, suiteToYaml } from './infer.js';
import { makeSuite } from './suite.js';
import { displayPath } from './suites.js';
import type { ExpectationSuite } from './types.js';

export interface InferSuiteFileOptions {
  /** the data file, relative to `cwd` */
  file: string;
  /** write the suite here (relative to `cwd`); otherwise only return it */
  out?: string;
  cwd?: string;
  format?: 'csv' | 'parquet' | 'jsonl';
  delimiter?: string;
  onProgress?: ProgressFn;
}

export interface InferSuiteFileResult {
  suite: ExpectationSuite;
  /** the suite as YAML, as written */
  yaml: string;
  rows: number;
  /** where it was written (as shown to the user), when `out` was given */
  out?: string;
}

export async function inferSuiteFile(
  repo: Repo,
  options: InferSuiteFileOptions,
): Promise<InferSuiteFileResult> {
  const cwd = options.cwd ?? repo.root;
  const abs = resolve(cwd, options.file);
  if (statOrNull(abs) === null) throw new MloError('NOT_FOUND', `${options.file}: no such file`);
  const file = displayPath(repo, abs);
  const inferred = await inferSuite(abs, {
    name: file,
    format: options.format,
    delimiter: options.delimiter,
    onProgress: options.onProgress,
  });
  const comment = [
    ` Inferred by \`mlo validate ${file} --infer\` from ${inferred.rows.toLocaleString('en-US')} row${inferred.rows === 1 ? '' : 's'}.`,
    ' The data it came from passes every expectation; tighten or loosen them to what new',
    ' data should meet. Add `severity: warn` to report an expectation without failing.',
  ].join('\n');
  const yaml = suiteToYaml(inferred.expectations, comment);
  let out: string | undefined;
  let name = `inferred from ${file}`;
  if (options.out !== undefined) {
    const target = resolve(cwd, options.out);
    mkdirSync(dirname(target), { recursive: true });
    writeFileAtomic(target, yaml);
    out = displayPath(repo, target);
    name = out;
  }
  return {
    suite: makeSuite(name, out ?? file, inferred.expectations),
    yaml,
    rows: inferred.rows,
    ...(out !== undefined && { out }),
  };
}
