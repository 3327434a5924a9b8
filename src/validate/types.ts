/**
 * The shapes of suites and results. Results follow Great Expectations' JSON (an
 * ExpectationSuiteValidationResult with `result_format: SUMMARY`), so people and
 * tools that know GX read them without a guide; mlo adds `severity` and `summary`.
 */

/** `error` fails the run (exit 1); `warn` is reported and does not. */
export type ExpectationSeverity = 'error' | 'warn';

/** One expectation as a suite writes it, checked against its definition. */
export interface ExpectationConfig {
  expectation_type: string;
  /** the kwargs as written, without `severity` and `meta` */
  kwargs: Record<string, unknown>;
  severity: ExpectationSeverity;
  meta?: Record<string, unknown>;
  /** where it is written, "mlo.yaml:12:7" */
  source?: string;
}

export interface ExpectationSuite {
  /** the name in mlo.yaml, or the file as the user gave it */
  name: string;
  /** the file it was read from (repo-relative when inside the repo) */
  file: string;
  expectations: ExpectationConfig[];
  /** sha256 of the expectations as canonical JSON: equal suites, equal hashes */
  hash: string;
}

/** What GX calls result_format; mlo never keeps every unexpected value (COMPLETE). */
export type ExpectationResultFormat = 'BOOLEAN_ONLY' | 'BASIC' | 'SUMMARY';

/** `result` of a map expectation (a yes/no question per row), as GX's SUMMARY format. */
export interface MapResultDetails {
  element_count: number;
  unexpected_count: number;
  /** of the rows considered (non-missing ones for most expectations), in percent */
  unexpected_percent: number | null;
  /** the first unexpected values, in row order */
  partial_unexpected_list: unknown[];
  missing_count?: number;
  missing_percent?: number | null;
  unexpected_percent_total?: number | null;
  unexpected_percent_nonmissing?: number | null;
  /** 0-based data row of each value in partial_unexpected_list */
  partial_unexpected_index_list?: number[];
  partial_unexpected_counts?: { value: unknown; count: number }[];
}

/** `result` of an aggregate expectation (a statistic of a column or the table). */
export interface AggregateResultDetails {
  observed_value: unknown;
  details?: Record<string, unknown>;
}

export interface ExpectationResult {
  success: boolean;
  severity: ExpectationSeverity;
  expectation_config: {
    expectation_type: string;
    kwargs: Record<string, unknown>;
    meta?: Record<string, unknown>;
  };
  result: Partial<MapResultDetails & AggregateResultDetails>;
  /** an expectation that could not be evaluated (wrong column type, drift unavailable) */
  exception_info: { raised_exception: boolean; exception_message: string | null };
  /** one line for people and CI: what was seen and, on failure, what was wrong */
  summary: string;
}

export interface ValidationStatistics {
  evaluated: number;
  successful: number;
  unsuccessful: number;
  /** successful / evaluated × 100 (100 for an empty suite) */
  success_percent: number;
  /** unsuccessful expectations with severity warn (counted in unsuccessful too) */
  warnings: number;
}

export interface ValidationResult {
  /** every error-severity expectation passed */
  success: boolean;
  statistics: ValidationStatistics;
  results: ExpectationResult[];
  suite: { name: string; file: string; hash: string };
  data: {
    /** as given (repo-relative when inside the repo) */
    file: string;
    /** sha256 of the file's bytes */
    hash: string;
    format: string;
    rows: number;
    columns: string[];
  };
  /** the stored row's id, when the result was stored */
  id?: number;
  /** true when an earlier stored result was returned (validateFile's `reuse`) */
  reused?: boolean;
  /** ISO time the validation finished */
  validated_at: string;
  elapsed_ms: number;
}
