/** What each protocol module gives the server: how to read a body, how to answer. */
import type { MloError } from '../../errors.js';
import type { CsvText } from '../../io/index.js';
import type { ModelOutputs } from '../../onnx/index.js';
import { invalid, type InputLimits, type Matrix } from '../input.js';
import type { ServedModel } from '../served-model.js';

export interface Parsed {
  matrix: Matrix;
}

export type BodyKind = 'json' | 'csv';

export interface Protocol<P extends Parsed = Parsed> {
  /**
   * How to read a body with this Content-Type, or an UNSUPPORTED_MEDIA error (415);
   * without it a protocol takes JSON only
   */
  bodyKind?(contentType: string | undefined): BodyKind;
  /** the body (already JSON-parsed) → rows for `served`; throws MloError for bad input */
  parse(body: unknown, served: ServedModel, limits: InputLimits): P;
  /** a CSV body (when bodyKind says csv) → rows for `served` */
  parseCsv?(csv: CsvText, served: ServedModel, limits: InputLimits): P;
  /** the response body for one answered request: a value, or JSON text already written */
  render(out: ModelOutputs, served: ServedModel, parsed: P, requestId: string): unknown;
  /** the error body this protocol's clients expect */
  errorBody(err: MloError, status: number): unknown;
}

/** The body as an object, or a 400 saying what was expected. */
export function requireObject(body: unknown, expected: string): Record<string, unknown> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    return body as Record<string, unknown>;
  }
  const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
  throw invalid(`the body must be a JSON object (${expected}), got ${got}`);
}

/** JSON text a protocol wrote itself (the hot path skips JSON.stringify of arrays). */
export class JsonText {
  constructor(readonly text: string) {}
}
