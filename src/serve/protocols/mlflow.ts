/**
 * MLflow's scoring protocol (`mlflow models serve`), so existing clients and load
 * balancer health checks keep working. `POST /invocations` takes `text/csv` (a header
 * row, as pandas' `DataFrame.to_csv()` writes it) or JSON with exactly one of
 *
 *     {"dataframe_split": {"columns": [...], "data": [[...]]}}   pandas orient="split"
 *     {"dataframe_records": [{"age": 41, ...}]}                  pandas orient="records"
 *     {"instances": [[...]] or [{...}]}                          TF-serving rows
 *     {"inputs": [[...]] or {"age": [...], ...}}                 TF-serving rows or columns
 *     {"inputs": {"X": [[...]]}}                                 the ONNX input tensor by name
 *
 * (an optional "params" is accepted and ignored) → {"predictions": [...]}. As MLflow
 * reads them (pandas, then its signature enforcement): null (or an empty CSV cell) is
 * NaN, taken by float inputs and refused by integer and bool ones; columns the model
 * does not take are ignored; missing ones are refused. Errors are
 * {"error_code": "BAD_REQUEST", "message": ...} as MLflow's server writes them.
 *
 * Reference: mlflow/pyfunc/scoring_server/__init__.py (content types, the four input
 * fields, the response), mlflow/models/utils.py (schema enforcement).
 */
import { MloError } from '../../errors.js';
import { planFeed } from '../../onnx/index.js';
import {
  invalid,
  makeLayout,
  PANDAS,
  rowsFromArrays,
  rowsFromColumns,
  rowsFromCsv,
  rowsFromRecords,
  rowsFromRecordsOrArrays,
  rowsFromSplit,
  type InputLimits,
  type Matrix,
} from '../input.js';
import { predictionsJson } from '../outputs.js';
import type { ServedModel } from '../served-model.js';
import { JsonText, requireObject, type BodyKind, type Protocol } from './types.js';

const FIELDS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

const TYPES = 'text/csv or application/json';

/** MLflow's content-type rules: JSON or CSV, UTF-8, no other parameters. */
function bodyKindOf(contentType: string | undefined): BodyKind {
  // no type at all: taken as JSON, as every other route here does
  if (contentType === undefined) return 'json';
  const [base, ...params] = contentType.split(';').map((p) => p.trim());
  const mime = base.toLowerCase();
  for (const p of params) {
    const [key, value = ''] = p.split('=', 2).map((x) => x.trim());
    if (key.toLowerCase() === 'charset') {
      if (value.replace(/^"|"$/g, '').toLowerCase() !== 'utf-8') {
        throw new MloError('UNSUPPORTED_MEDIA', `charset ${value} is not supported; send UTF-8`);
      }
    } else if (p !== '') {
      throw new MloError('UNSUPPORTED_MEDIA', `unknown Content-Type parameter "${key}"`, {
        hint: `send Content-Type: ${TYPES}`,
      });
    }
  }
  if (mime === 'text/csv') return 'csv';
  if (mime === 'application/json' || mime.endsWith('+json')) return 'json';
  throw new MloError(
    'UNSUPPORTED_MEDIA',
    `Content-Type must be ${TYPES}, got ${mime || 'nothing'}`,
    { hint: 'a CSV body needs a header row naming the features' },
  );
}

/**
 * `{"inputs": {"<tensor>": ...}}` keyed by the model's ONNX input names rather than
 * feature names: the one [N, F] input's rows, or one [N] / [N, 1] column per input.
 * Null when the keys are feature names (or the model has no such input).
 */
function rowsFromTensors(
  obj: Record<string, unknown>,
  served: ServedModel,
  limits: InputLimits,
): Matrix | null {
  const { layout } = served;
  const feed = planFeed(served.model.signature.inputs);
  if (feed.kind === 'matrix') {
    const name = feed.input.name;
    if (!(name in obj) || layout.index.has(name)) return null;
    return rowsFromArrays(obj[name], layout, `inputs.${name}`, limits, PANDAS);
  }
  if (feed.kind === 'columns') {
    const names = feed.inputs.map((i) => i.name);
    if (!names.every((n) => n in obj) || names.every((n, j) => layout.names?.[j] === n)) {
      return null;
    }
    const byInput = makeLayout(names, layout.count, layout.label, served.featureTypes);
    return rowsFromColumns(obj, byInput, 'inputs', limits, PANDAS);
  }
  return null;
}

export const mlflowProtocol: Protocol = {
  bodyKind: bodyKindOf,

  parse(body, served, limits) {
    const obj = requireObject(body, `with one of ${FIELDS.join(', ')}`);
    const given = FIELDS.filter((f) => obj[f] !== undefined);
    const extra = Object.keys(obj).filter(
      (k) => !(FIELDS as readonly string[]).includes(k) && k !== 'params',
    );
    if (given.length !== 1 || extra.length > 0) {
      throw invalid(
        given.length > 1
          ? `give exactly one of ${FIELDS.join(', ')}; got ${given.join(' and ')}`
          : extra.length > 0
            ? `unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}; expected one of ${FIELDS.join(', ')}`
            : `the body needs one of ${FIELDS.join(', ')}`,
      );
    }
    const field = given[0];
    const value = obj[field];
    const layout = served.layout;
    switch (field) {
      case 'dataframe_split':
        return { matrix: rowsFromSplit(value, layout, field, limits, PANDAS) };
      case 'dataframe_records':
        return { matrix: rowsFromRecords(value, layout, field, limits, PANDAS) };
      case 'instances':
        return { matrix: rowsFromRecordsOrArrays(value, layout, field, limits, PANDAS) };
      case 'inputs': {
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          const columns = value as Record<string, unknown>;
          return {
            matrix:
              rowsFromTensors(columns, served, limits) ??
              rowsFromColumns(columns, layout, field, limits, PANDAS),
          };
        }
        return { matrix: rowsFromRecordsOrArrays(value, layout, field, limits, PANDAS) };
      }
    }
  },

  parseCsv(csv, served, limits) {
    return { matrix: rowsFromCsv(csv, served.layout, 'the CSV body', limits) };
  },

  render(out) {
    return new JsonText(`{"predictions":${predictionsJson(out)}}`);
  },

  errorBody(err: MloError, status: number) {
    return { error_code: status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST', message: err.message };
  },
};
