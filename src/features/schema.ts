/**
 * The `features:` section of mlo.yaml, as written. Each object is strict so that a
 * typo is reported at its own line; the rules between objects (a view naming an
 * entity that exists, a service naming features that exist) are checked after, in
 * definitions.ts, so that every problem is reported at once.
 *
 *     features:
 *       entities:
 *         customer: {join_keys: {customer_id: int64}}
 *       sources:
 *         customer_stats: {path: data/stats.parquet, timestamp: event_ts, created_timestamp: created}
 *       views:
 *         customer_stats:
 *           entities: [customer]
 *           source: customer_stats
 *           ttl: 30d
 *           features: {avg_order: float64, orders: int64}
 *       on_demand:
 *         order_ratio:
 *           request: {amount: float64}
 *           features: {ratio: {type: float64, expr: amount / customer_stats.avg_order}}
 *       services:
 *         churn: [customer_stats, order_ratio:ratio]
 */
import * as z from 'zod/mini';
import '../util/schema.js';

export const FEATURE_TYPES = [
  'int32',
  'int64',
  'float32',
  'float64',
  'string',
  'bool',
  'timestamp',
] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

export const KEY_TYPES = ['int64', 'int32', 'string'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

/** Names that are safe as identifiers in expressions, column names and store keys. */
export const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_RULE = 'letters, digits and _, not starting with a digit';

const name = z
  .string()
  .check(z.regex(NAME_RE, `a name must hold only ${NAME_RULE}`), z.maxLength(128));

const column = z.string().check(z.minLength(1, 'a column name must not be empty'));

const tags = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

const featureType = z.enum(FEATURE_TYPES, {
  error: `expected one of ${FEATURE_TYPES.join(', ')}`,
});

const keyType = z.enum(KEY_TYPES, { error: `expected one of ${KEY_TYPES.join(', ')}` });

/** `30d`, `12h`, `90m`, `45s`, `2w`, `1d12h`, or a number of seconds; 0 means no limit. */
const duration = z.union([z.number().check(z.gte(0)), z.string().check(z.minLength(1))], {
  error: 'expected a duration: seconds, or text such as 30d, 12h, 90m, 1d12h (0: no limit)',
});

const entitySchema = z.strictObject({
  /** key column → type, in key order */
  join_keys: z
    .record(name, keyType)
    .check(z.refine((m) => Object.keys(m).length > 0, 'an entity needs at least one join key')),
  description: z.optional(z.string()),
  tags: z.optional(tags),
});

const sourceSchema = z.strictObject({
  /** a tracked file or directory, relative to the repository root */
  path: z.string().check(z.minLength(1, 'a path must not be empty')),
  format: z.optional(z.enum(['csv', 'parquet', 'jsonl'])),
  /** the event-time column: when the feature values became true */
  timestamp: column,
  /** when the row was written; breaks ties between rows of the same event time */
  created_timestamp: z.optional(column),
  description: z.optional(z.string()),
});

const featureSchema = z.union(
  [
    featureType,
    z.strictObject({
      type: featureType,
      description: z.optional(z.string()),
    }),
  ],
  { error: `expected a type (${FEATURE_TYPES.join(', ')}) or {type, description}` },
);

const viewSchema = z.strictObject({
  entities: z.array(name).check(z.minLength(1, 'a view needs at least one entity')),
  source: name,
  /** how old a value may be and still be used (0 or absent: no limit) */
  ttl: z.optional(duration),
  /** materialized into the online store (default true) */
  online: z.optional(z.boolean()),
  features: z
    .record(name, featureSchema)
    .check(z.refine((m) => Object.keys(m).length > 0, 'a view needs at least one feature')),
  tags: z.optional(tags),
  description: z.optional(z.string()),
  /** a suite under `validation:` that the view's source must pass */
  validation: z.optional(z.string().check(z.minLength(1))),
});

const onDemandFeatureSchema = z.strictObject({
  type: featureType,
  /** arithmetic over request fields and `view.feature` references */
  expr: z.string().check(z.minLength(1, 'an expression must not be empty')),
  description: z.optional(z.string()),
});

const onDemandSchema = z.strictObject({
  /** fields the request (or the entity file, for training sets) carries */
  request: z.optional(z.record(name, featureType)),
  features: z
    .record(name, onDemandFeatureSchema)
    .check(z.refine((m) => Object.keys(m).length > 0, 'needs at least one feature')),
  tags: z.optional(tags),
  description: z.optional(z.string()),
});

const featureRefList = z.array(z.string().check(z.minLength(1)));

const serviceSchema = z.union(
  [
    featureRefList,
    z.strictObject({
      features: featureRefList,
      description: z.optional(z.string()),
      tags: z.optional(tags),
    }),
  ],
  { error: 'expected a list of view:feature (or whole views), or {features: [...]}' },
);

const onlineStoreSchema = z.strictObject({
  type: z.enum(['sqlite', 'redis']),
  /** redis: the server, e.g. redis://127.0.0.1:6379/0 */
  url: z.optional(z.string().check(z.minLength(1))),
  /** redis: the environment variable holding the URL (wins over url) */
  url_env: z.optional(z.string().check(z.minLength(1))),
  /** redis: prefix of every key (default "mlo:") */
  prefix: z.optional(z.string()),
});

export const featuresSchema = z.strictObject({
  online_store: z.optional(onlineStoreSchema),
  entities: z.optional(z.record(name, entitySchema)),
  sources: z.optional(z.record(name, sourceSchema)),
  views: z.optional(z.record(name, viewSchema)),
  on_demand: z.optional(z.record(name, onDemandSchema)),
  services: z.optional(z.record(name, serviceSchema)),
});

export type FeaturesSection = z.infer<typeof featuresSchema>;
export type ViewDecl = z.infer<typeof viewSchema>;
export type SourceDecl = z.infer<typeof sourceSchema>;
export type OnlineStoreDecl = z.infer<typeof onlineStoreSchema>;

/**
 * `serve.features` in mlo.yaml: the online features `mlo serve` fills into each
 * request's rows before the model runs (src/features/serving.ts).
 */
export const servingFeaturesSchema = z
  .strictObject({
    /** a feature service ... */
    service: z.optional(name),
    /** ... or view:feature references */
    refs: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
    /** the model's inputs are named view__feature */
    full_names: z.optional(z.boolean()),
    /** record what was filled in, for mlo features skew --log (default true) */
    log: z.optional(z.boolean()),
  })
  .check(
    z.refine((c) => (c.service === undefined) !== (c.refs === undefined), {
      message: 'give service or refs (one of them)',
    }),
  );

export type ServingFeaturesDecl = z.infer<typeof servingFeaturesSchema>;
