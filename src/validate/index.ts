/**
 * Data validation, the Great Expectations part: suites of GX expectations (same names,
 * same kwargs, same result JSON), checked in one streaming pass over a CSV, Parquet or
 * JSON Lines file, with results stored by data hash, JUnit XML for CI, and suites
 * inferred from data.
 *
 * ## For promotion gates (`validate: SUITE`)
 *
 *     const r = await validateFile(repo, { file: 'data/holdout.csv', suite: 'holdout', reuse: true });
 *     r.success      // false only when an error-severity expectation failed
 *     r.statistics   // { evaluated, successful, unsuccessful, success_percent, warnings }
 *
 * `suite` is a name under `validation:` in mlo.yaml, a path to a suite file, or an
 * ExpectationSuite. Relative paths start at `cwd` (default: the repo root). The result
 * is stored with the data file's sha256 and the suite's content hash
 * (`listValidations`, `listValidationSummaries`, `latestValidation`); `reuse: true`
 * returns a stored result for the same bytes and expectations instead of reading the
 * file again. Bad input (a missing file or column, a malformed suite or table) throws
 * MloError with exit code 2; failed expectations never throw. `loadSuite` checks a
 * suite without reading data. `junit: PATH` also writes JUnit XML, whatever the
 * outcome: a missing column makes its expectations errored testcases (the others
 * still run), a run that cannot happen is one errored testcase.
 *
 * ## Semantics (Great Expectations on pandas)
 *
 * Missing cells — nulls and NaN — are left out of map expectations, and `mostly` is the
 * share of the other rows that must pass; the null expectations count every row. A
 * cell that does not fit its column's kind ("abc" in a number column) is an unexpected
 * value for comparisons and is left out of statistics. A column inferred as text is
 * read as numbers (or dates) when an expectation gives it numeric (date) bounds.
 * Results use GX's SUMMARY result format (partial lists of 20 values). An expectation
 * that cannot be evaluated (a mean of text) fails with `exception_info`, as GX's do.
 *
 * ## One pass
 *
 * Every expectation is planned before the data is read: it asks per-column
 * accumulators for what it needs, and the file is then read once (only the columns
 * the suite names). Memory is bounded by the batch size except where an answer needs
 * the values themselves: medians and quantiles keep a column's numbers, uniqueness
 * keeps one number per row, distinct-value questions keep the distinct values.
 * `expect_no_drift_from_baseline` is the exception: the drift capability profiles the
 * file in a pass of its own (its own worker and null rules), after this one.
 */
export {
  validateFile,
  listValidations,
  latestValidation,
  showValidation,
  listValidationSummaries,
} from './validate-file.js';
export type {
  ValidateFileOptions,
  StoredValidationQuery,
  ValidationSummary,
} from './validate-file.js';
export { runSuite, type RunSuiteOptions, type SuiteRun } from './run.js';
export {
  loadSuite,
  loadSuiteFile,
  listSuites,
  isSuitePath,
  type SuiteInfo,
  type LoadSuiteOptions,
} from './suites.js';
export { suiteFromYaml, makeSuite, suiteHash, YamlSource as SuiteYamlSource } from './suite.js';
export { compileSuite, compileExpectation, knownExpectationNames } from './compile.js';
export { listExpectations, type ExpectationInfo } from './catalog/index.js';
export { inferSuite, suiteToYaml, type InferOptions, type InferredSuite } from './infer.js';
export {
  inferSuiteFile,
  type InferSuiteFileOptions,
  type InferSuiteFileResult,
} from './infer-file.js';
export {
  toJUnitXml,
  writeJUnitXml,
  writeJUnitErrorXml,
  expectationTarget,
  type JUnitRunError,
} from './junit.js';
export type {
  ExpectationSeverity,
  ExpectationConfig,
  ExpectationSuite,
  ExpectationResultFormat,
  MapResultDetails,
  AggregateResultDetails,
  ExpectationResult,
  ValidationStatistics,
  ValidationResult,
} from './types.js';
