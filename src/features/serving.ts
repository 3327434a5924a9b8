/**
 * Online features in front of a model: `mlo serve` hands each request's rows (as
 * objects, before they become the model's input matrix) to `enrich`, which reads the
 * features the serving config names from the online store by the rows' join keys,
 * writes them into the rows under the model's input names, and takes out the keys and
 * request fields the model does not take. The model then runs on exactly those values,
 * and the prediction log records them as it records any input.
 *
 * What the store filled in is also logged here, with the entity keys the prediction
 * log does not have (feature_serving_log, written in batches off the request path),
 * so that `mlo features skew --log` compares served values with the offline ones.
 *
 *     serve:
 *       model: churn@champion
 *       features:
 *         service: churn          # or refs: [customer_stats:avg_order, ...]
 *         full_names: false       # model inputs named view__feature
 *
 * One instance serves every model of a server (main, canary, versions an alias moves
 * to): which features a model takes is worked out once per set of input names.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import type { Value } from './expr.js';
import { getOnlineFeaturesFeast } from './feast.js';
import { OnlineFeatures, type OnlineResponse } from './online-read.js';
import { insertServedFeatures, type ServedFeatureRow } from './records.js';

export interface ServingFeaturesConfig {
  /** a feature service ... */
  service?: string;
  /** ... or view:feature references */
  refs?: readonly string[];
  /** the model's inputs are named view__feature */
  fullNames?: boolean;
  /** record what was filled in (default true) */
  log?: boolean;
  /** a redis URL instead of the definitions' online store */
  onlineStore?: string;
}

export interface EnrichContext {
  model: string;
  version: number;
  /** the model's input names (null: positional only, every feature is filled in) */
  inputs: readonly string[] | null;
  requestId?: string;
  /** where the rows are in the request body, for messages ("instances") */
  where?: string;
  now?: number;
}

/** What the store gives one model: the inputs it fills, the keys that stay in the rows. */
export interface ModelFill {
  fills: readonly string[];
  /** join keys and request fields the model takes as inputs too */
  kept: ReadonlySet<string>;
}

const FLUSH_MS = 500;
const FLUSH_ROWS = 2000;
const MAX_PENDING = 100_000;

export class ServingFeatures {
  private pending: ServedFeatureRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly byInputs = new Map<string, ModelFill>();
  /** rows of the serving log that could not be written */
  dropped = 0;
  /** told when a flush fails (the server warns) */
  onError: ((err: unknown) => void) | undefined;

  private constructor(
    private readonly repo: Repo,
    private readonly online: OnlineFeatures,
    private readonly spec: string | readonly string[],
    private readonly fullNames: boolean,
    /** every feature the config names, as model input names */
    readonly outputs: readonly string[],
    /** what each request row must carry: join keys, then request fields */
    readonly keys: readonly string[],
    /** the join keys among `keys`, for messages */
    private readonly joinKeys: readonly string[],
    private readonly log: boolean,
  ) {}

  /** Resolve the config against the applied definitions (one online store for the server). */
  static async open(repo: Repo, config: ServingFeaturesConfig): Promise<ServingFeatures> {
    const spec = config.service ?? config.refs;
    if (spec === undefined || (typeof spec !== 'string' && spec.length === 0)) {
      throw new MloError('USAGE', 'serve.features: name a service or refs');
    }
    const online = await OnlineFeatures.open(repo, { onlineStore: config.onlineStore });
    try {
      if (config.service !== undefined && !online.defs.services[config.service]) {
        throw new MloError(
          'NOT_FOUND',
          `serve.features.service: no feature service ${config.service}`,
          {
            hint: `services: ${Object.keys(online.defs.services).join(', ') || 'none'}`,
          },
        );
      }
      const compiled = online.compile(spec, config.fullNames === true);
      const joinKeys = compiled.keys.map((k) => k.name);
      return new ServingFeatures(
        repo,
        online,
        spec,
        config.fullNames === true,
        compiled.plan.outputs.map((o) => o.name),
        [...joinKeys, ...compiled.plan.requestFields.map((r) => r.name)],
        joinKeys,
        config.log !== false,
      );
    } catch (err) {
      await online.close();
      throw err;
    }
  }

  /** Feast's `POST /get-online-features` over the same online store (a JSON body). */
  getOnlineFeatures(body: unknown): Promise<OnlineResponse> {
    return getOnlineFeaturesFeast(this.online, body);
  }

  /**
   * What the store fills in for a model with these inputs; USAGE when it fills none
   * (the server checks each model it loads with this before serving it).
   */
  fillFor(inputs: readonly string[] | null, label = 'the model'): ModelFill {
    const cacheKey = inputs === null ? '\u0000' : inputs.join('\u0000');
    let fill = this.byInputs.get(cacheKey);
    if (fill) return fill;
    const set = inputs === null ? null : new Set(inputs);
    const fills = set === null ? this.outputs : this.outputs.filter((n) => set.has(n));
    if (fills.length === 0) {
      throw new MloError(
        'USAGE',
        `serve.features: none of ${this.outputs.join(', ')} is an input of ${label}`,
        {
          hint: 'the model inputs the store fills in are named after the features (view__feature with full_names)',
        },
      );
    }
    fill = { fills, kept: new Set(this.keys.filter((k) => set?.has(k) ?? false)) };
    this.byInputs.set(cacheKey, fill);
    return fill;
  }

  /** Fill the rows in place; INVALID (400) naming the row when a key or a value is missing. */
  async enrich(rows: readonly unknown[], ctx: EnrichContext): Promise<void> {
    const { fills, kept } = this.fillFor(ctx.inputs, `${ctx.model}@${ctx.version}`);
    const where = ctx.where ?? 'instances';
    const n = rows.length;
    const entities: Record<string, unknown[]> = {};
    for (const k of this.keys) entities[k] = new Array<unknown>(n);
    const objects = rows as Record<string, unknown>[];
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        throw new MloError(
          'INVALID',
          `${where}[${i}] must be an object with ${this.keys.join(', ')}`,
        );
      }
      const obj = row as Record<string, unknown>;
      for (const k of this.keys) {
        const v = obj[k];
        if (v === undefined || v === null) {
          throw new MloError(
            'INVALID',
            `${where}[${i}].${k} is missing: the online features are looked up by it`,
          );
        }
        entities[k][i] = v;
      }
      for (const f of fills) {
        if (f in obj) {
          throw new MloError(
            'INVALID',
            `${where}[${i}].${f} comes from the feature store; send ${this.keys.join(', ')} instead`,
          );
        }
      }
    }
    const now = ctx.now ?? Date.now();
    const answer = await this.online.get(
      {
        entities,
        ...(typeof this.spec === 'string'
          ? { featureService: this.spec }
          : { features: this.spec }),
        fullFeatureNames: this.fullNames,
      },
      now,
    );
    const at = new Map(answer.metadata.feature_names.map((name, j) => [name, j]));
    for (const f of fills) {
      const vec = answer.results[at.get(f) as number];
      for (let i = 0; i < n; i++) {
        const v = vec.values[i];
        if (v === null) {
          const keyText = this.joinKeys
            .map((k) => `${k}=${String(entities[k][i] as string)}`)
            .join(', ');
          throw new MloError(
            'INVALID',
            `${where}[${i}]: no online value of ${f} for ${keyText} (${vec.statuses[i]})`,
            {
              hint: 'materialize the view (mlo features materialize), or check the entity',
            },
          );
        }
        objects[i][f] = v;
      }
    }
    if (this.log) {
      for (let i = 0; i < n; i++) {
        const entity: Record<string, unknown> = {};
        for (const k of this.keys) entity[k] = entities[k][i];
        const vals: Record<string, Value> = {};
        for (const f of fills) vals[f] = objects[i][f] as Value;
        this.pending.push({
          tsMs: now,
          model: ctx.model,
          version: ctx.version,
          requestId: ctx.requestId ?? null,
          entity,
          vals,
        });
      }
      if (this.pending.length >= FLUSH_ROWS) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
    }
    for (let i = 0; i < n; i++) for (const k of this.keys) if (!kept.has(k)) delete objects[i][k];
  }

  /**
   * Write what was logged so far (one transaction). A store that cannot take it now
   * (locked past the busy timeout, a full disk) keeps the rows for the next flush, up
   * to MAX_PENDING; past that the oldest go, counted in `dropped`.
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    try {
      insertServedFeatures(this.repo.store, rows);
    } catch (err) {
      const keep = rows.slice(-MAX_PENDING);
      this.dropped += rows.length - keep.length;
      this.pending = keep;
      this.onError?.(err);
      this.timer = setTimeout(() => this.flush(), FLUSH_MS).unref();
    }
  }

  async close(): Promise<void> {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.online.close();
  }
}
