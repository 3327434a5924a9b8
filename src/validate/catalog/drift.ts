/**
 * expect_no_drift_from_baseline: the data does not drift from a baseline that
 * `mlo baseline create` stored. Registered now so suites that name it parse; it is
 * evaluated once the drift capability (src/monitor's baselines) is in this build.
 */
import * as z from 'zod/mini';
import '../../util/schema.js';
import { EvaluationError } from '../values.js';
import { define, type ExpectationDef } from './common.js';

const noDrift = define({
  name: 'expect_no_drift_from_baseline',
  domain: 'table',
  map: false,
  description: 'no dataset drift against the baseline named by baseline (mlo baseline create)',
  kwargs: { baseline: z.string().check(z.minLength(1)) },
  required: ['baseline'],
  columns: () => [],
  plan: (k) => {
    throw new EvaluationError(
      `expect_no_drift_from_baseline (baseline "${k.baseline}") needs drift baselines, which this build of mlo does not have yet`,
    );
  },
});

export const DRIFT: readonly ExpectationDef[] = [noDrift];
