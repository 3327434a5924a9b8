/**
 * The model bundle on disk: one directory (or a `.tar.gz` of it) that serves a model
 * version with no repository.
 *
 *     manifest.json     what the bundle is: the version, its lineage, and the sha256
 *                       and size of every other file
 *     model.onnx        the model's bytes
 *     signature.json    the ONNX signature and the feature names in input order
 *     baseline.json     the version's drift baseline (column profiles), when it has one
 *     serve.yaml        the `serve:` settings it was exported with (batching, limits...)
 *
 * A reader trusts nothing but the hashes: every file is checked against the manifest
 * before it is used, and the manifest's model hash must be the model file's.
 */
import * as z from 'zod/mini';
import '../util/schema.js';

export const BUNDLE_FORMAT = 'mlo-bundle';
export const BUNDLE_FORMAT_VERSION = 1;

export const BUNDLE_FILES = {
  manifest: 'manifest.json',
  model: 'model.onnx',
  signature: 'signature.json',
  baseline: 'baseline.json',
  serve: 'serve.yaml',
} as const;

/** The files a manifest may list (the manifest itself is not listed). */
export const LISTED_FILES: readonly string[] = [
  BUNDLE_FILES.model,
  BUNDLE_FILES.signature,
  BUNDLE_FILES.baseline,
  BUNDLE_FILES.serve,
];

const HEX64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const nullableString = z.nullable(z.string());

const fileEntry = z.strictObject({
  sha256: HEX64,
  size: z.number().check(z.int(), z.gte(0)),
});

export const manifestSchema = z.looseObject({
  format: z.literal(BUNDLE_FORMAT),
  format_version: z.literal(BUNDLE_FORMAT_VERSION),
  created_at: z.string(),
  mlo_version: z.string(),
  model: z.looseObject({
    name: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)),
    version: z.number().check(z.int(), z.gte(1)),
    /** the reference it was exported as (`churn@champion`) */
    ref: z.string(),
    /** the alias of that reference, which `serve --bundle` follows in its state directory */
    alias: z.nullable(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/))),
    hash: HEX64,
    size: z.number().check(z.int(), z.gte(0)),
    created_at: z.string(),
    created_by: z.string(),
    source: nullableString,
    metrics: z.record(z.string(), z.number()),
    tags: z.record(z.string(), z.string()),
    lineage: z.looseObject({
      run_id: nullableString,
      git_commit: nullableString,
      git_dirty: z.nullable(z.boolean()),
      inputs: z.array(z.looseObject({ path: z.string(), hash: nullableString })),
      baseline_data: z.nullable(
        z.looseObject({ path: z.string(), hash: z.string(), target: nullableString }),
      ),
      // the run's params at registration; absent in bundles written before versions kept them
      params: z.optional(z.record(z.string(), z.string())),
    }),
  }),
  files: z.record(z.string(), fileEntry),
});

export type BundleManifest = z.infer<typeof manifestSchema>;

export const signatureFileSchema = z.looseObject({
  features: z.nullable(z.array(z.string())),
  features_source: nullableString,
  signature: z.looseObject({ inputs: z.array(z.unknown()), outputs: z.array(z.unknown()) }),
});

export type SignatureFile = z.infer<typeof signatureFileSchema>;

/** A baseline with its column profiles as base64 (their stored encoding). */
export const baselineFileSchema = z.strictObject({
  name: z.string(),
  source: z.string(),
  source_hash: nullableString,
  source_format: z.string(),
  rows: z.number().check(z.int(), z.gte(0)),
  target: nullableString,
  prediction: nullableString,
  meta: z.record(z.string(), z.unknown()),
  columns: z.array(
    z.strictObject({
      position: z.number().check(z.int(), z.gte(0)),
      name: z.string(),
      kind: z.enum(['numeric', 'categorical']),
      role: z.enum(['feature', 'target', 'prediction']),
      source_kind: z.string(),
      kind_source: z.enum(['inferred', 'override']),
      profile: z.string(),
    }),
  ),
});

export type BaselineFile = z.infer<typeof baselineFileSchema>;
