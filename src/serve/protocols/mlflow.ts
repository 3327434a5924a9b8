/**
 * MLflow's scoring protocol (`mlflow models serve`), so existing clients and load
 * balancer health checks keep working: `POST /invocations` with exactly one of
 *
 *     {"dataframe_split": {"columns": [...], "data": [[...]]}}   pandas orient="split"
 *     {"dataframe_records": [{"age": 41, ...}]}                  pandas orient="records"
 *     {"instances": [[...]] or [{...}]}                          TF-serving rows
 *     {"inputs": [[...]] or {"age": [...], ...}}                 TF-serving rows or columns
 *
 * (an optional "params" is accepted and ignored) → {"predictions": [...]}. Errors are
 * {"error_code": "BAD_REQUEST", "message": ...} as MLflow's server writes them.
 */
import type { MloError } from '../../errors.js';
import {
  invalid,
  rowsFromColumns,
  rowsFromRecords,
  rowsFromRecordsOrArrays,
  rowsFromSplit,
} from '../input.js';
import { predictionsJson } from '../outputs.js';
import { JsonText, requireObject, type Protocol } from './types.js';

const FIELDS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

export const mlflowProtocol: Protocol = {
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
        return { matrix: rowsFromSplit(value, layout, field, limits) };
      case 'dataframe_records':
        return { matrix: rowsFromRecords(value, layout, field, limits) };
      case 'instances':
        return { matrix: rowsFromRecordsOrArrays(value, layout, field, limits) };
      case 'inputs':
        return {
          matrix:
            typeof value === 'object' && value !== null && !Array.isArray(value)
              ? rowsFromColumns(value, layout, field, limits)
              : rowsFromRecordsOrArrays(value, layout, field, limits),
        };
    }
  },

  render(out) {
    return new JsonText(`{"predictions":${predictionsJson(out)}}`);
  },

  errorBody(err: MloError, status: number) {
    return { error_code: status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST', message: err.message };
  },
};
