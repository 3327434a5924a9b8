/**
 * The `serve:` section of mlo.yaml: what `mlo serve` does when no flag says otherwise,
 * so a project states once which model it serves and how, and CI, a Procfile and a
 * newcomer all start it with a bare `mlo serve`. Flags given on the command line win.
 *
 *     serve:
 *       model: churn@champion    # the served reference (alias moves are followed)
 *       port: 8080
 *       host: 127.0.0.1
 *       log_predictions: true    # feed `mlo drift check --predictions`
 *       canary: churn@challenger:10
 *       shadow: churn@3
 *       token_env: MLO_TOKEN
 *       max_batch: 32
 *       max_delay_ms: 0
 *       threads: 0
 *       features:                # online features filled in by join keys (src/features)
 *         service: churn
 */
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../util/schema.js';
import { parseYaml, readTextFile } from '../util/yaml-file.js';
import { servingFeaturesSchema } from '../features/schema.js';

const PROJECT_FILE = 'mlo.yaml';

const wholeNumber = (max: number) => z.number().check(z.int(), z.gte(0), z.lte(max));

const serveSchema = z.strictObject({
  model: z.optional(z.string().check(z.minLength(1))),
  port: z.optional(wholeNumber(65535)),
  host: z.optional(z.string().check(z.minLength(1))),
  canary: z.optional(z.string().check(z.minLength(1))),
  shadow: z.optional(z.string().check(z.minLength(1))),
  token_env: z.optional(z.string().check(z.minLength(1))),
  log_predictions: z.optional(z.boolean()),
  max_batch: z.optional(z.number().check(z.int(), z.gte(1))),
  max_delay_ms: z.optional(wholeNumber(10_000)),
  threads: z.optional(wholeNumber(64)),
  max_body_bytes: z.optional(z.number().check(z.int(), z.gte(1))),
  max_rows: z.optional(z.number().check(z.int(), z.gte(1))),
  features: z.optional(servingFeaturesSchema),
});

const fileSchema = z.looseObject({ serve: z.optional(z.nullable(serveSchema)) });

/** The section as written (snake_case keys, every one optional). */
export type ServeConfig = z.infer<typeof serveSchema>;

/** The serve settings of the project at `root`; empty when mlo.yaml or the section is absent. */
export function loadServeConfig(root: string): ServeConfig {
  const file = join(root, PROJECT_FILE);
  const text = readTextFile(file, PROJECT_FILE);
  if (text === undefined) return {};
  return parseServeConfig(text, PROJECT_FILE);
}

export function parseServeConfig(text: string, displayPath = PROJECT_FILE): ServeConfig {
  return parseYaml(text, fileSchema, displayPath).serve ?? {};
}
