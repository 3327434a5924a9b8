/**
 * Reading online features: what `mlo features get`, Feast's /get-online-features and
 * `mlo serve` share. The ttl is enforced at read time (a value older than the view's
 * ttl is OUTSIDE_MAX_AGE and null), on-demand features are computed from the request
 * and the values read, and the answer has Feast's shape: one vector per column (join
 * keys first), each with values, statuses and event timestamps per entity row.
 *
 * Plans are resolved once per feature list; a request then costs its key texts, one
 * store read for every (view, entity) pair, and one JSON.parse per record.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import type { FeatureDefinitions, JoinKey } from './definitions.js';
import { coerce, requestValue } from './values.js';
import type { Value } from './expr.js';
import { keyText } from './keys.js';
import { openOnlineStore, type OnlineKey, type OnlineStore } from './online/index.js';
import { decodeRow, slotOf, type Slot } from './online/codec.js';
import { resolveFeatures, type FeaturePlan } from './plan.js';
import { openFeatureRegistry } from './registry.js';
import type { FeatureType } from './schema.js';

export type FieldStatus = 'PRESENT' | 'NULL_VALUE' | 'NOT_FOUND' | 'OUTSIDE_MAX_AGE';

export interface FeatureVector {
  values: Value[];
  statuses: FieldStatus[];
  event_timestamps: string[];
}

/** Feast's GetOnlineFeaturesResponse as JSON. */
export interface OnlineResponse {
  metadata: { feature_names: string[] };
  results: FeatureVector[];
}

export interface OnlineRequest {
  /** join keys and request fields → one value per entity row */
  entities: Readonly<Record<string, readonly unknown[]>>;
  /** view:feature or view references */
  features?: readonly string[];
  /** or a service */
  featureService?: string;
  fullFeatureNames?: boolean;
}

const EPOCH = '1970-01-01T00:00:00Z';

/** RFC 3339 in UTC as Feast writes it: no fraction for whole seconds, else milliseconds. */
export function feastTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

interface Compiled {
  plan: FeaturePlan;
  /** join keys the request must carry, in first-use order */
  keys: JoinKey[];
  /** per view need: its join keys, ttl ms, and the position of each needed feature in its values */
  views: {
    name: string;
    joinKeys: JoinKey[];
    ttlMs: number;
    index: Map<string, number>;
    slots: Slot[];
  }[];
}

export class OnlineFeatures {
  private readonly compiled = new Map<string, Compiled>();

  constructor(
    readonly defs: FeatureDefinitions,
    readonly version: number,
    readonly store: OnlineStore,
  ) {}

  static async open(repo: Repo, options: { onlineStore?: string } = {}): Promise<OnlineFeatures> {
    const reg = openFeatureRegistry(repo);
    const store = await openOnlineStore(repo, reg.defs.onlineStore, { url: options.onlineStore });
    return new OnlineFeatures(reg.defs, reg.version, store);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /** The resolved plan of a feature list (cached): what a serving config checks at start-up. */
  compile(spec: string | readonly string[], fullNames = false): Compiled {
    const cacheKey = `${fullNames ? 1 : 0}\u0000${typeof spec === 'string' ? spec : spec.join(',')}`;
    let c = this.compiled.get(cacheKey);
    if (c) return c;
    const plan = resolveFeatures(this.defs, spec, { fullNames });
    const keys: JoinKey[] = [];
    for (const need of plan.views)
      for (const k of need.view.joinKeys) if (!keys.some((x) => x.name === k.name)) keys.push(k);
    const views = plan.views.map((need) => ({
      name: need.view.name,
      joinKeys: need.view.joinKeys,
      ttlMs: need.view.ttl * 1000,
      index: new Map(need.view.features.map((f, i) => [f.name, i])),
      slots: need.view.features.map((f) => slotOf(f.type)),
    }));
    c = { plan, keys, views };
    this.compiled.set(cacheKey, c);
    return c;
  }

  async get(req: OnlineRequest, now = Date.now()): Promise<OnlineResponse> {
    const spec = req.featureService ?? req.features;
    if (spec === undefined || (Array.isArray(spec) && spec.length === 0)) {
      throw new MloError('INVALID', 'name features or a feature_service');
    }
    const c = this.compile(spec, req.fullFeatureNames === true);
    const n = rowCount(req.entities);
    for (const k of c.keys) {
      if (!(k.name in req.entities)) {
        throw new MloError('INVALID', `entities: missing join key ${k.name}`, {
          hint: `the features read need ${c.keys.map((x) => x.name).join(', ')}`,
        });
      }
    }
    // one read for every (view, entity row); rows whose key is not a valid value are not read
    const lookups: OnlineKey[] = [];
    const slot = new Int32Array(c.views.length * n).fill(-1);
    const parts: string[] = [];
    c.views.forEach((v, vi) => {
      for (let r = 0; r < n; r++) {
        parts.length = 0;
        let ok = true;
        for (const k of v.joinKeys) {
          const t = keyText(k.type, req.entities[k.name][r]);
          if (t === undefined) {
            ok = false;
            break;
          }
          parts.push(t);
        }
        if (!ok) continue;
        slot[vi * n + r] = lookups.length;
        lookups.push({ view: v.name, key: parts.length === 1 ? parts[0] : parts.join('\u001f') });
      }
    });
    const records = lookups.length ? await this.store.read(lookups) : [];
    // decoded values, event times and whether within ttl, per (view, row)
    const vals = new Array<Value[] | undefined>(c.views.length * n);
    const event = new Float64Array(c.views.length * n).fill(NaN);
    const fresh = new Uint8Array(c.views.length * n);
    for (let vi = 0; vi < c.views.length; vi++) {
      for (let r = 0; r < n; r++) {
        const s = slot[vi * n + r];
        const rec = s < 0 ? undefined : records[s];
        if (!rec) continue;
        vals[vi * n + r] = decodeRow(rec.vals, c.views[vi].slots);
        event[vi * n + r] = rec.eventMs;
        const ttl = c.views[vi].ttlMs;
        fresh[vi * n + r] = ttl > 0 && now - rec.eventMs > ttl ? 0 : 1;
      }
    }

    const names: string[] = [];
    const results: FeatureVector[] = [];
    for (const k of c.keys) {
      names.push(k.name);
      const values = req.entities[k.name].slice(0, n).map((v) => keyValue(k, v));
      results.push({
        values,
        statuses: new Array<FieldStatus>(n).fill('PRESENT'),
        event_timestamps: new Array<string>(n).fill(EPOCH),
      });
    }
    const viewIndex = new Map(c.views.map((v, i) => [v.name, i]));
    // every feature of a (view, row) shares one event time: format it once
    const eventText = new Array<string | undefined>(c.views.length * n);
    const eventTextOf = (view: string, r: number): string => {
      const at = (viewIndex.get(view) as number) * n + r;
      const t = event[at];
      if (Number.isNaN(t)) return EPOCH;
      return (eventText[at] ??= feastTimestamp(t));
    };
    const stored = (
      view: string,
      feature: string,
      r: number,
    ): { v: Value; s: FieldStatus; t: number } => {
      const vi = viewIndex.get(view) as number;
      const rec = vals[vi * n + r];
      if (!rec) return { v: null, s: 'NOT_FOUND', t: NaN };
      const t = event[vi * n + r];
      if (!fresh[vi * n + r]) return { v: null, s: 'OUTSIDE_MAX_AGE', t };
      const v = rec[c.views[vi].index.get(feature) as number] ?? null;
      return { v, s: v === null ? 'NULL_VALUE' : 'PRESENT', t };
    };
    for (const out of c.plan.outputs) {
      names.push(out.name);
      const vec: FeatureVector = {
        values: new Array<Value>(n),
        statuses: new Array<FieldStatus>(n),
        event_timestamps: new Array<string>(n),
      };
      if (!out.onDemand) {
        for (let r = 0; r < n; r++) {
          const x = stored(out.view, out.feature, r);
          vec.values[r] =
            out.type === 'timestamp' && typeof x.v === 'number' ? feastTimestamp(x.v) : x.v;
          vec.statuses[r] = x.s;
          vec.event_timestamps[r] = eventTextOf(out.view, r);
        }
      } else {
        const od = c.plan.onDemand.find((o) => o.def.name === out.view);
        const f = od?.features.find((x) => x.def.name === out.feature);
        if (!od || !f) throw new MloError('INTERNAL', `on-demand ${out.ref} not planned`);
        const request = new Map(od.def.request.map((x) => [x.name, x.type]));
        let r = 0;
        const env = (i: number): Value => {
          const id = f.expr.names[i];
          const dot = id.indexOf('.');
          if (dot < 0) return requestValue(req.entities[id]?.[r], request.get(id) as FeatureType);
          return stored(id.slice(0, dot), id.slice(dot + 1), r).v;
        };
        for (r = 0; r < n; r++) {
          const v = coerce(f.expr.evaluate(env), f.def.type);
          vec.values[r] = v;
          vec.statuses[r] = v === null ? 'NULL_VALUE' : 'PRESENT';
          vec.event_timestamps[r] = EPOCH;
        }
      }
      results.push(vec);
    }
    return { metadata: { feature_names: names }, results };
  }
}

function rowCount(entities: Readonly<Record<string, readonly unknown[]>>): number {
  let n = -1;
  for (const [k, v] of Object.entries(entities)) {
    if (!Array.isArray(v))
      throw new MloError('INVALID', `entities.${k}: expected a list of values`);
    if (n >= 0 && v.length !== n) {
      throw new MloError('INVALID', `entities: ${k} has ${v.length} values, the others ${n}`);
    }
    n = v.length;
  }
  if (n < 0)
    throw new MloError('INVALID', 'entities: expected join keys, e.g. {"customer_id": [42]}');
  return n;
}

/** A join key as the response carries it: an integer key as a number while it is exact. */
function keyValue(k: JoinKey, v: unknown): Value {
  const t = keyText(k.type, v);
  if (t === undefined) return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  if (k.type === 'string') return t;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : t;
}
