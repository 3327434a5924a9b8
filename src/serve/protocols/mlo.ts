/**
 * mlo's own protocol, `POST /predict`:
 *
 *     {"instances": [{"age": 41, "tenure": 3}, ...]}   rows by feature name
 *     {"inputs": [[41, 3], ...]}                         rows by position
 *
 * → {"predictions": [...], "probabilities": [[...], ...]?, "classes": [...]?,
 *    "model": "churn", "version": 3, "request_id": "..."}
 */
import type { MloError } from '../../errors.js';
import { invalid, rowsFromArrays, rowsFromRecords } from '../input.js';
import { predictionsJson, probabilitiesJson } from '../outputs.js';
import { JsonText, requireObject, type Protocol } from './types.js';

const EXPECTED = '{"instances": [{feature: value, ...}]} or {"inputs": [[value, ...]]}';

export const mloProtocol: Protocol = {
  parse(body, served, limits) {
    const obj = requireObject(body, EXPECTED);
    const hasInstances = obj.instances !== undefined;
    const hasInputs = obj.inputs !== undefined;
    if (hasInstances === hasInputs) {
      throw invalid(
        hasInstances
          ? 'give either "instances" or "inputs", not both'
          : 'the body needs "instances" (rows by feature name) or "inputs" (rows by position)',
        `send ${EXPECTED}`,
      );
    }
    if (hasInstances) {
      const rows = obj.instances;
      if (Array.isArray(rows) && Array.isArray(rows[0])) {
        throw invalid('"instances" are objects by feature name; send positional rows as "inputs"');
      }
      return { matrix: rowsFromRecords(rows, served.layout, 'instances', limits) };
    }
    return { matrix: rowsFromArrays(obj.inputs, served.layout, 'inputs', limits) };
  },

  render(out, served, _parsed, requestId) {
    const probabilities = probabilitiesJson(out);
    const classes =
      probabilities === null
        ? ''
        : `,"probabilities":${probabilities},"classes":${JSON.stringify(out.classLabels)}`;
    return new JsonText(
      `{"predictions":${predictionsJson(out)}${classes},"model":${JSON.stringify(served.model.name)},"version":${served.model.version},"request_id":${JSON.stringify(requestId)}}`,
    );
  },

  errorBody(err: MloError) {
    return err.hint ? { error: err.message, hint: err.hint } : { error: err.message };
  },
};
