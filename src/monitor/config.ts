/**
 * The `drift:` section of mlo.yaml (other sections belong to other capabilities and
 * are not looked at):
 *
 *     drift:
 *       share: 0.5              # dataset drift when >= this share of checked columns drifted
 *       fail: false             # exit 1 on dataset drift, as --fail-on-drift
 *       test: psi               # every column's test (default: chosen per column, as Evidently)
 *       threshold: 0.2          # ... and its threshold (only with test)
 *       columns:
 *         age: {test: ks, threshold: 0.01}
 *         zip: {kind: categorical, test: jensenshannon, threshold: 0.2}
 *         user_id: {skip: true}  # not profiled unless named with --columns
 *
 * Tests: ks, chisquare, z, wasserstein, jensenshannon, psi (stats/choose.ts). The
 * section-wide test applies to every column it can score (ks and wasserstein score
 * numeric columns only; a categorical column then keeps its default test); a
 * column's own test or threshold overrides it. A column's own test that does not fit
 * its kind is reported when the check runs.
 */
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../util/schema.js';
// plain mlo.yaml text is read without loading the yaml package (config-yaml.ts)
import { parseConfigYaml } from '../util/config-yaml.js';
import { readTextFile } from '../util/yaml-readers.js';
import { TEST_KINDS, type DriftColumnKind, type DriftTest } from './stats/index.js';

export const DEFAULT_DRIFT_SHARE = 0.5;

const TESTS = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'] as const;

const columnSchema = z.strictObject({
  kind: z.optional(z.enum(['numeric', 'categorical'])),
  test: z.optional(z.enum(TESTS)),
  threshold: z.optional(z.number().check(z.gte(0))),
  skip: z.optional(z.boolean()),
});

const driftSchema = z
  .strictObject({
    share: z.optional(z.number().check(z.gte(0), z.lte(1))),
    fail: z.optional(z.boolean()),
    test: z.optional(z.enum(TESTS)),
    threshold: z.optional(z.number().check(z.gte(0))),
    columns: z.optional(z.record(z.string(), columnSchema)),
  })
  .check(
    // a threshold is a p-value for some tests and a distance for others
    z.refine((d) => d.threshold === undefined || d.test !== undefined, {
      message: 'a threshold needs the test it is for (drift: {test: psi, threshold: 0.2})',
      path: ['threshold'],
    }),
  );

const fileSchema = z.looseObject({ drift: z.optional(z.nullable(driftSchema)) });

export interface ColumnDriftConfig {
  kind?: DriftColumnKind;
  test?: DriftTest;
  threshold?: number;
  skip?: boolean;
}

export interface DriftConfig {
  /** dataset drift when the share of drifted columns is at least this */
  share: number;
  fail: boolean;
  /** the test for every column it fits, unless the column names its own */
  test?: DriftTest;
  /** the threshold of `test` */
  threshold?: number;
  columns: Record<string, ColumnDriftConfig>;
}

export const PROJECT_FILE = 'mlo.yaml';

/** The drift settings of the project at `root` (defaults when mlo.yaml or the section is absent). */
export function loadDriftConfig(root: string): DriftConfig {
  const file = join(root, PROJECT_FILE);
  const text = readTextFile(file, PROJECT_FILE);
  if (text === undefined) return defaultDriftConfig();
  return parseDriftConfig(text, PROJECT_FILE);
}

export function parseDriftConfig(text: string, displayPath = PROJECT_FILE): DriftConfig {
  const parsed = parseConfigYaml(text, fileSchema, displayPath);
  const d = parsed.drift ?? {};
  return {
    share: d.share ?? DEFAULT_DRIFT_SHARE,
    fail: d.fail ?? false,
    ...(d.test !== undefined && { test: d.test }),
    ...(d.threshold !== undefined && { threshold: d.threshold }),
    columns: { ...d.columns },
  };
}

/**
 * The test and threshold a column is checked with: its own settings, else the
 * section-wide test where it fits the column's kind, else nothing (the default
 * choice per column). A column's own threshold also applies to the section's test.
 */
export function columnDriftOptions(
  config: DriftConfig,
  column: { name: string; kind: DriftColumnKind },
): { test?: DriftTest; threshold?: number } {
  const own = Object.hasOwn(config.columns, column.name) ? config.columns[column.name] : undefined;
  if (own?.test !== undefined) return { test: own.test, threshold: own.threshold };
  if (config.test !== undefined && TEST_KINDS[config.test].includes(column.kind)) {
    return { test: config.test, threshold: own?.threshold ?? config.threshold };
  }
  return { threshold: own?.threshold };
}

export function defaultDriftConfig(): DriftConfig {
  return { share: DEFAULT_DRIFT_SHARE, fail: false, columns: {} };
}

/** Kind overrides and skipped columns the config asks for at baseline time. */
export function configSelection(config: DriftConfig): {
  kinds: Record<string, DriftColumnKind>;
  skip: string[];
} {
  const kinds: Record<string, DriftColumnKind> = {};
  const skip: string[] = [];
  for (const [name, c] of Object.entries(config.columns)) {
    if (c.kind) kinds[name] = c.kind;
    if (c.skip) skip.push(name);
  }
  return { kinds, skip };
}
