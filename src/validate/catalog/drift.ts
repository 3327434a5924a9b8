/**
 * expect_no_drift_from_baseline: the data does not drift from a baseline that
 * `mlo baseline create` (or `mlo model register --baseline-data`) stored. The drift
 * capability profiles the file in its own pass (with its worker thread, under its
 * own null rules) and decides per column with Evidently's default tests and the
 * `drift:` settings of mlo.yaml; the expectation passes when there is no dataset drift.
 */
import * as z from 'zod/mini';
import '../../util/schema.js';
import { checkDrift } from '../../monitor/index.js';
import { EvaluationError, fmt } from '../values.js';
import { define, plainOutcome, type ExpectationDef } from './common.js';

/** Drifted columns listed in a summary line. */
const SHOWN = 5;

const noDrift = define({
  name: 'expect_no_drift_from_baseline',
  domain: 'table',
  map: false,
  description:
    'no dataset drift against the baseline named by baseline (mlo baseline create); drift_share overrides the share of drifted columns that makes dataset drift',
  kwargs: {
    baseline: z.string().check(z.minLength(1)),
    drift_share: z.optional(z.nullable(z.number().check(z.gte(0), z.lte(1)))),
  },
  required: ['baseline'],
  columns: () => [],
  plan: (k, ctx) => {
    const repo = ctx.repo;
    if (repo === undefined) {
      throw new EvaluationError(
        'expect_no_drift_from_baseline needs an mlo repository (its baselines)',
      );
    }
    return async () => {
      const { report } = await checkDrift(repo, {
        baseline: k.baseline,
        data: ctx.path,
        save: false,
        ...(k.drift_share != null && { share: k.drift_share }),
      });
      const drifted = report.columns.filter((c) => c.drifted);
      const names = drifted.map((c) => c.column);
      const listed =
        names.length > SHOWN ? [...names.slice(0, SHOWN), `… ${names.length - SHOWN} more`] : names;
      const share = `share ${fmt(report.drift_share)}, dataset drift at ≥ ${fmt(report.share_threshold)}`;
      return plainOutcome(
        !report.dataset_drift,
        report.drift_share,
        `${report.drifted_columns} of ${report.checked_columns} columns drifted from baseline "${k.baseline}" (${share})${names.length > 0 ? `: ${listed.join(', ')}` : ''}`,
        {
          dataset_drift: report.dataset_drift,
          share_threshold: report.share_threshold,
          drifted_columns: names,
          columns: report.columns.map((c) => ({
            column: c.column,
            test: c.test,
            score: c.score,
            threshold: c.threshold,
            drifted: c.drifted,
            status: c.status,
          })),
          ...(report.warnings.length > 0 && { warnings: report.warnings }),
        },
      );
    };
  },
});

export const DRIFT: readonly ExpectationDef[] = [noDrift];
