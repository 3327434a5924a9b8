/**
 * One error type for the whole library. The CLI maps `code` to an exit status,
 * the server maps it to an HTTP status; nothing else decides how an error ends.
 */

export type MloErrorCode =
  /** bad flags or arguments */
  | 'USAGE'
  /** a file or request whose content is malformed (YAML, CSV, ONNX, JSON) */
  | 'INVALID'
  /** something named by the user does not exist (file, run, model, alias) */
  | 'NOT_FOUND'
  /** the command needs an mlo repository and there is none */
  | 'NOT_A_REPO'
  /** the store was written by a newer mlo */
  | 'UNSUPPORTED'
  /** the machine said no: disk full, read-only, permission denied (errno errors) */
  | 'ENVIRONMENT'
  /** the operation would destroy data or race another writer */
  | 'CONFLICT'
  /** a check ran and did not pass (validation, gate, drift, fsck) */
  | 'CHECK_FAILED'
  | 'TOO_LARGE'
  | 'UNSUPPORTED_MEDIA'
  | 'UNAUTHORIZED'
  /** a valid identity without the scope the request needs */
  | 'FORBIDDEN'
  /** a remote service could not be reached or kept failing (after retries) */
  | 'UNAVAILABLE'
  | 'INTERNAL';

interface CodeInfo {
  exit: number;
  http: number;
}

const CODE_INFO: Record<MloErrorCode, CodeInfo> = {
  USAGE: { exit: 2, http: 400 },
  INVALID: { exit: 2, http: 400 },
  NOT_FOUND: { exit: 2, http: 404 },
  NOT_A_REPO: { exit: 2, http: 500 },
  UNSUPPORTED: { exit: 2, http: 500 },
  ENVIRONMENT: { exit: 2, http: 507 },
  CONFLICT: { exit: 1, http: 409 },
  CHECK_FAILED: { exit: 1, http: 422 },
  TOO_LARGE: { exit: 2, http: 413 },
  UNSUPPORTED_MEDIA: { exit: 2, http: 415 },
  UNAUTHORIZED: { exit: 2, http: 401 },
  FORBIDDEN: { exit: 2, http: 403 },
  UNAVAILABLE: { exit: 2, http: 503 },
  INTERNAL: { exit: 3, http: 500 },
};

export const ExitCode = { OK: 0, CHECK_FAILED: 1, USAGE: 2, INTERNAL: 3 } as const;

export interface MloErrorOptions {
  hint?: string;
  cause?: unknown;
  /** extra structured detail for --json output and HTTP bodies */
  details?: Record<string, unknown>;
}

export class MloError extends Error {
  readonly code: MloErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: MloErrorCode, message: string, options: MloErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MloError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get exitCode(): number {
    return CODE_INFO[this.code].exit;
  }

  get httpStatus(): number {
    return CODE_INFO[this.code].http;
  }
}

export function isMloError(err: unknown): err is MloError {
  return err instanceof MloError;
}

export function exitCodeOf(err: unknown): number {
  return isMloError(err) ? err.exitCode : ExitCode.INTERNAL;
}

export function httpStatusOf(err: unknown): number {
  return isMloError(err) ? err.httpStatus : 500;
}

/** Node's errno code, if any: lets callers branch on ENOENT without casts everywhere. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
