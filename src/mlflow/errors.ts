/**
 * MLflow's error shape, `{"error_code": ..., "message": ...}`, with its codes and
 * HTTP statuses. mlo's own errors are translated at this edge.
 */
import { MloError } from '../errors.js';

export type MlflowErrorCode =
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'INVALID_PARAMETER_VALUE'
  | 'MALFORMED_REQUEST'
  | 'ENDPOINT_NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'INVALID_STATE'
  | 'INTERNAL_ERROR';

const STATUS: Record<MlflowErrorCode, number> = {
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  INVALID_PARAMETER_VALUE: 400,
  MALFORMED_REQUEST: 400,
  ENDPOINT_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  INVALID_STATE: 400,
  INTERNAL_ERROR: 500,
};

export class MlflowApiError extends Error {
  readonly code: MlflowErrorCode;
  readonly status: number;
  constructor(code: MlflowErrorCode, message: string) {
    super(message);
    this.code = code;
    this.status = STATUS[code];
  }
}

export const notFound = (what: string): MlflowApiError =>
  new MlflowApiError('RESOURCE_DOES_NOT_EXIST', what);
export const invalid = (what: string): MlflowApiError =>
  new MlflowApiError('INVALID_PARAMETER_VALUE', what);
export const exists = (what: string): MlflowApiError =>
  new MlflowApiError('RESOURCE_ALREADY_EXISTS', what);

/** Any error as MLflow's status and body. Unexpected ones say only "internal error". */
export function toMlflowError(err: unknown): {
  status: number;
  body: { error_code: string; message: string };
} {
  let e: MlflowApiError;
  if (err instanceof MlflowApiError) e = err;
  else if (err instanceof MloError) {
    const code: MlflowErrorCode =
      err.code === 'NOT_FOUND'
        ? 'RESOURCE_DOES_NOT_EXIST'
        : err.code === 'CONFLICT'
          ? 'RESOURCE_ALREADY_EXISTS'
          : err.code === 'UNAUTHORIZED'
            ? 'UNAUTHENTICATED'
            : err.code === 'INTERNAL'
              ? 'INTERNAL_ERROR'
              : 'INVALID_PARAMETER_VALUE';
    e = new MlflowApiError(code, err.message);
  } else {
    e = new MlflowApiError(
      'INTERNAL_ERROR',
      `internal error: ${(err as Error)?.message ?? String(err)}`,
    );
  }
  return { status: e.status, body: { error_code: e.code, message: e.message } };
}
