/**
 * validateFile: the whole of `mlo validate FILE`, and what promotion gates call. Finds
 * the suite, runs it over the file in one pass, and stores the result with the file's
 * hash and the suite's hash so promote and reports can show it.
 */
import { resolve } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import {
  findValidations,
  getValidation,
  insertValidation,
  type ValidationQuery,
  type ValidationRow,
} from '../store/index.js';
import { statOrNull } from '../util/fs.js';
import { startFileHash } from './file-hash.js';
import type { ProgressFn } from '../util/progress.js';
import { runSuite } from './run.js';
import { writeJUnitErrorXml, writeJUnitXml } from './junit.js';
import { displayPath, loadSuite, PROJECT_FILE } from './suites.js';
import type { ExpectationSuite, ValidationResult, ValidationStatistics } from './types.js';

const DRIFT_EXPECTATION = 'expect_no_drift_from_baseline';

export interface ValidateFileOptions {
  /** the data file (CSV, Parquet, JSON Lines), relative to `cwd` */
  file: string;
  /**
   * A suite name under `validation:` in mlo.yaml, a path to a suite file (relative to
   * `cwd`), or a ExpectationSuite object. Default: mlo.yaml's only suite.
   */
  suite?: string | ExpectationSuite;
  /** where relative paths start (default: the repo root) */
  cwd?: string;
  /** keep the result in the store (default true) */
  store?: boolean;
  /** table format when the extension does not say */
  format?: 'csv' | 'parquet' | 'jsonl';
  delimiter?: string;
  /**
   * Return the newest stored result for the same file content and the same
   * expectations instead of reading the data again (never for suites that check
   * drift, whose baseline may have changed).
   */
  reuse?: boolean;
  onProgress?: ProgressFn;
  /**
   * Also write JUnit XML here (relative to `cwd`), whatever the outcome: when the
   * suite names a column the file lacks, every other expectation still runs and
   * those naming it are errored test cases; when the run cannot happen at all (no
   * such file, a file that cannot be read, a malformed suite) the report holds one
   * errored test case saying why. The error is thrown after the file is written.
   */
  junit?: string;
}

/**
 * Validate a data file against a suite. `success` is false only when an
 * error-severity expectation failed (warn-severity failures are counted in
 * `statistics.warnings`). Missing files and columns, and malformed suites or data,
 * throw MloError (exit 2); a failed expectation never throws.
 */
export async function validateFile(
  repo: Repo,
  options: ValidateFileOptions,
): Promise<ValidationResult> {
  const junit =
    options.junit === undefined ? undefined : resolve(options.cwd ?? repo.root, options.junit);
  const started = performance.now();
  let outcome: Outcome;
  try {
    outcome = await validateOnce(repo, options, junit !== undefined);
  } catch (err) {
    if (junit !== undefined) {
      const elapsed_ms = Math.round(performance.now() - started);
      writeJUnitErrorXml(
        { suite: suiteNameOf(options.suite), file: options.file, error: err, elapsed_ms },
        junit,
      );
    }
    throw err;
  }
  if (junit !== undefined) writeJUnitXml(outcome.result, junit);
  if (outcome.missingColumns !== undefined) throw outcome.missingColumns;
  return outcome.result;
}

/** The suite as a report names it when it could not be loaded. */
function suiteNameOf(suite: ValidateFileOptions['suite']): string {
  if (typeof suite === 'object') return suite.name;
  return suite ?? PROJECT_FILE;
}

interface Outcome {
  result: ValidationResult;
  /** columns the suite names and the file lacks (the result is then not stored) */
  missingColumns?: MloError;
}

async function validateOnce(
  repo: Repo,
  options: ValidateFileOptions,
  reportMissingColumns: boolean,
): Promise<Outcome> {
  const cwd = options.cwd ?? repo.root;
  const abs = resolve(cwd, options.file);
  const st = statOrNull(abs);
  if (st === null) throw new MloError('NOT_FOUND', `${options.file}: no such file`);
  if (!st.isFile()) throw new MloError('INVALID', `${options.file}: not a file`);
  const suite =
    typeof options.suite === 'object' ? options.suite : loadSuite(repo, options.suite, { cwd });
  const file = displayPath(repo, abs);
  const started = performance.now();
  const hashing = startFileHash(repo, abs);
  // a failed pass must not leave the hash's rejection unhandled
  hashing.catch(() => undefined);
  if (
    options.reuse === true &&
    !suite.expectations.some((e) => e.expectation_type === DRIFT_EXPECTATION)
  ) {
    const stored = latestValidation(repo, { dataHash: await hashing, suiteHash: suite.hash });
    if (stored !== undefined) return { result: { ...stored, reused: true } };
  }
  const run = await runSuite(abs, suite, {
    file,
    format: options.format,
    delimiter: options.delimiter,
    onProgress: options.onProgress,
    repo,
    onMissingColumns: reportMissingColumns ? 'report' : 'throw',
  });
  const hash = await hashing;
  const result: ValidationResult = {
    success: run.success,
    statistics: run.statistics,
    results: run.results,
    suite: { name: suite.name, file: suite.file, hash: suite.hash },
    data: { file, hash, format: run.format, rows: run.rows, columns: run.columns },
    validated_at: new Date().toISOString(),
    elapsed_ms: Math.round(performance.now() - started),
  };
  // the input is wrong (exit 2): reported, never stored as a validation
  if (run.missingColumns !== undefined) return { result, missingColumns: run.missingColumns };
  if (options.store !== false) result.id = storeValidation(repo, result);
  return { result };
}

function storeValidation(repo: Repo, result: ValidationResult): number {
  const { statistics: s } = result;
  return insertValidation(repo.store, {
    suite: result.suite.name,
    suite_hash: result.suite.hash,
    data_path: result.data.file,
    data_hash: result.data.hash,
    rows: result.data.rows,
    success: result.success ? 1 : 0,
    evaluated: s.evaluated,
    successful: s.successful,
    unsuccessful: s.unsuccessful,
    warnings: s.warnings,
    result: JSON.stringify(result),
    created_at: result.validated_at,
  });
}

export interface StoredValidationQuery {
  /** sha256 of the data file */
  dataHash?: string;
  /** the suite's name (as validated) */
  suite?: string;
  /** the suite's content hash: the same expectations, whatever the name */
  suiteHash?: string;
  /** the data file as stored (repo-relative) */
  dataPath?: string;
  /** newest first; default 50 */
  limit?: number;
}

/** A stored validation without its per-expectation results: for listings and reports. */
export interface ValidationSummary {
  id: number;
  suite: { name: string; hash: string };
  data: { file: string; hash: string; rows: number };
  success: boolean;
  statistics: ValidationStatistics;
  validated_at: string;
}

/** Stored validations, newest first, read without parsing their results. */
export function listValidationSummaries(
  repo: Repo,
  query: StoredValidationQuery = {},
): ValidationSummary[] {
  return findValidations(repo.store, { ...query }).map((row) => ({
    id: row.id,
    suite: { name: row.suite, hash: row.suite_hash },
    data: { file: row.data_path, hash: row.data_hash, rows: row.rows },
    success: row.success === 1,
    statistics: {
      evaluated: row.evaluated,
      successful: row.successful,
      unsuccessful: row.unsuccessful,
      success_percent: row.evaluated === 0 ? 100 : (row.successful / row.evaluated) * 100,
      warnings: row.warnings,
    },
    validated_at: row.created_at,
  }));
}

/** Stored validation results, newest first. */
export function listValidations(repo: Repo, query: StoredValidationQuery = {}): ValidationResult[] {
  const q: ValidationQuery = { ...query };
  return findValidations(repo.store, q).map(fromRow);
}

/** The newest stored result for this data and suite content, if any (for reuse by gates). */
export function latestValidation(
  repo: Repo,
  query: { dataHash: string; suiteHash: string },
): ValidationResult | undefined {
  const [row] = findValidations(repo.store, { ...query, limit: 1 });
  return row === undefined ? undefined : fromRow(row);
}

export function showValidation(repo: Repo, id: number): ValidationResult {
  const row = getValidation(repo.store, id);
  if (row === undefined) throw new MloError('NOT_FOUND', `no stored validation ${id}`);
  return fromRow(row);
}

function fromRow(row: ValidationRow): ValidationResult {
  const result = JSON.parse(row.result) as ValidationResult;
  return { ...result, id: row.id };
}
