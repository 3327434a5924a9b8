/**
 * Feature definitions: the `features:` section of mlo.yaml, checked (schema, then the
 * rules between objects, every problem at once with file:line:col) and normalised
 * into the plain objects the rest of the capability uses. The same objects, as JSON,
 * are what `mlo features apply` records as a version.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, isMap, isNode, isPair, isScalar, parseDocument, type Document } from 'yaml';
import * as z from 'zod/mini';
import '../util/schema.js';
import { configError, parseYaml, type ConfigProblem } from '../util/yaml-file.js';
import { parseDuration } from './duration.js';
import { compileExpr } from './expr.js';
import {
  featuresSchema,
  type FeatureType,
  type FeaturesSection,
  type KeyType,
  type OnlineStoreDecl,
} from './schema.js';

export const DEFINITIONS_FILE = 'mlo.yaml';

export interface JoinKey {
  name: string;
  type: KeyType;
}

export interface EntityDef {
  name: string;
  joinKeys: JoinKey[];
  description?: string;
  tags?: Record<string, string | number | boolean>;
}

export interface SourceDef {
  name: string;
  /** repo-relative, forward slashes */
  path: string;
  format?: 'csv' | 'parquet' | 'jsonl';
  timestamp: string;
  createdTimestamp?: string;
  description?: string;
}

export interface FeatureDef {
  name: string;
  type: FeatureType;
  description?: string;
}

export interface ViewDef {
  name: string;
  entities: string[];
  /** the join keys of its entities, in order */
  joinKeys: JoinKey[];
  source: string;
  /** seconds; 0: no limit */
  ttl: number;
  online: boolean;
  features: FeatureDef[];
  tags?: Record<string, string | number | boolean>;
  description?: string;
  validation?: string;
}

export interface OnDemandFeatureDef extends FeatureDef {
  expr: string;
}

export interface OnDemandDef {
  name: string;
  request: FeatureDef[];
  features: OnDemandFeatureDef[];
  /** the stored features its expressions read, as view:feature */
  inputs: string[];
  tags?: Record<string, string | number | boolean>;
  description?: string;
}

export interface ServiceDef {
  name: string;
  /** view:feature references, whole views expanded */
  features: string[];
  description?: string;
  tags?: Record<string, string | number | boolean>;
}

export type OnlineStoreDef =
  { type: 'sqlite' } | { type: 'redis'; url?: string; urlEnv?: string; prefix: string };

export interface FeatureDefinitions {
  onlineStore: OnlineStoreDef;
  entities: Record<string, EntityDef>;
  sources: Record<string, SourceDef>;
  views: Record<string, ViewDef>;
  onDemand: Record<string, OnDemandDef>;
  services: Record<string, ServiceDef>;
}

export const EMPTY_DEFINITIONS: FeatureDefinitions = {
  onlineStore: { type: 'sqlite' },
  entities: {},
  sources: {},
  views: {},
  onDemand: {},
  services: {},
};

const fileSchema = z.looseObject({ features: z.optional(z.nullable(featuresSchema)) });

/** The definitions in the repository's mlo.yaml; empty when it has no `features:`. */
export function loadDefinitions(root: string): FeatureDefinitions {
  const file = join(root, DEFINITIONS_FILE);
  if (!existsSync(file)) return EMPTY_DEFINITIONS;
  return parseDefinitions(readFileSync(file, 'utf8'), DEFINITIONS_FILE);
}

type YamlPath = (string | number)[];

class Problems {
  readonly list: ConfigProblem[] = [];
  private doc: Document | undefined;
  private readonly lines = new LineCounter();

  constructor(private readonly text: string) {}

  add(path: YamlPath, message: string): void {
    const { line, col } = this.locate(path);
    this.list.push({ line, col, path: path.join('.'), message });
  }

  /** The deepest existing node on the path; a map entry's key rather than its value. */
  private locate(path: YamlPath): { line: number; col: number } {
    this.doc ??= parseDocument(this.text, { lineCounter: this.lines });
    for (let depth = path.length; depth > 0; depth--) {
      const parent = this.doc.getIn(path.slice(0, depth - 1), true);
      const last = path[depth - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === last);
        if (pair && isNode(pair.key) && pair.key.range)
          return this.lines.linePos(pair.key.range[0]);
      } else if (typeof last === 'number') {
        const node = this.doc.getIn(path.slice(0, depth), true);
        if (isNode(node) && node.range) return this.lines.linePos(node.range[0]);
      }
    }
    return { line: 1, col: 1 };
  }
}

export function parseDefinitions(text: string, shown = DEFINITIONS_FILE): FeatureDefinitions {
  const section = parseYaml(text, fileSchema, shown).features;
  if (!section) return EMPTY_DEFINITIONS;
  const problems = new Problems(text);
  const defs = normalize(section, problems);
  if (problems.list.length) throw configError(shown, problems.list);
  return defs;
}

function normalize(section: FeaturesSection, problems: Problems): FeatureDefinitions {
  const at = (...path: YamlPath): YamlPath => ['features', ...path];
  const entities: Record<string, EntityDef> = {};
  for (const [name, e] of Object.entries(section.entities ?? {})) {
    entities[name] = {
      name,
      joinKeys: Object.entries(e.join_keys).map(([k, type]) => ({ name: k, type })),
      ...(e.description !== undefined && { description: e.description }),
      ...(e.tags && { tags: e.tags }),
    };
  }

  const sources: Record<string, SourceDef> = {};
  for (const [name, s] of Object.entries(section.sources ?? {})) {
    const path = s.path.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
    const parts = path.split('/');
    if (path.startsWith('/') || /^[A-Za-z]:/.test(path) || parts.includes('..')) {
      problems.add(at('sources', name, 'path'), `"${s.path}" must be a path inside the repository`);
    } else if (parts[0] === '.git' || parts[0] === '.mlo' || path === '' || path === '.') {
      problems.add(at('sources', name, 'path'), `"${s.path}" is not workspace data`);
    }
    if (s.created_timestamp !== undefined && s.created_timestamp === s.timestamp) {
      problems.add(
        at('sources', name, 'created_timestamp'),
        'the created timestamp must be another column than the event timestamp',
      );
    }
    sources[name] = {
      name,
      path,
      ...(s.format && { format: s.format }),
      timestamp: s.timestamp,
      ...(s.created_timestamp !== undefined && { createdTimestamp: s.created_timestamp }),
      ...(s.description !== undefined && { description: s.description }),
    };
  }

  const views: Record<string, ViewDef> = {};
  for (const [name, v] of Object.entries(section.views ?? {})) {
    const joinKeys: JoinKey[] = [];
    v.entities.forEach((en, i) => {
      const entity = entities[en];
      if (!entity) {
        problems.add(at('views', name, 'entities', i), `no entity "${en}" under features.entities`);
        return;
      }
      for (const k of entity.joinKeys) {
        const prior = joinKeys.find((j) => j.name === k.name);
        if (prior && prior.type !== k.type) {
          problems.add(
            at('views', name, 'entities', i),
            `join key ${k.name} is ${prior.type} in one entity and ${k.type} in another`,
          );
        } else if (!prior) joinKeys.push(k);
      }
    });
    const source = sources[v.source];
    if (!source)
      problems.add(at('views', name, 'source'), `no source "${v.source}" under features.sources`);
    const ttl = parseDuration(v.ttl ?? 0);
    if (ttl === undefined) {
      problems.add(
        at('views', name, 'ttl'),
        `"${String(v.ttl)}" is not a duration (30d, 12h, 90m, 45s, 1d12h)`,
      );
    }
    const features: FeatureDef[] = Object.entries(v.features).map(([f, decl]) =>
      typeof decl === 'string'
        ? { name: f, type: decl }
        : {
            name: f,
            type: decl.type,
            ...(decl.description !== undefined && { description: decl.description }),
          },
    );
    for (const f of features) {
      const clash =
        joinKeys.some((k) => k.name === f.name) ||
        f.name === source?.timestamp ||
        f.name === source?.createdTimestamp;
      if (clash) {
        problems.add(
          at('views', name, 'features', f.name),
          `${f.name} is a join key or timestamp column, not a feature`,
        );
      }
    }
    views[name] = {
      name,
      entities: [...v.entities],
      joinKeys,
      source: v.source,
      ttl: ttl ?? 0,
      online: v.online ?? true,
      features,
      ...(v.tags && { tags: v.tags }),
      ...(v.description !== undefined && { description: v.description }),
      ...(v.validation !== undefined && { validation: v.validation }),
    };
  }

  const onDemand: Record<string, OnDemandDef> = {};
  for (const [name, o] of Object.entries(section.on_demand ?? {})) {
    if (views[name]) {
      problems.add(at('on_demand', name), `"${name}" is also a view: on-demand names must differ`);
    }
    const request: FeatureDef[] = Object.entries(o.request ?? {}).map(([f, type]) => ({
      name: f,
      type,
    }));
    const inputs = new Set<string>();
    const features: OnDemandFeatureDef[] = [];
    for (const [f, decl] of Object.entries(o.features)) {
      features.push({
        name: f,
        type: decl.type,
        expr: decl.expr,
        ...(decl.description !== undefined && { description: decl.description }),
      });
      let names: readonly string[];
      try {
        names = compileExpr(decl.expr).names;
      } catch (err) {
        problems.add(at('on_demand', name, 'features', f, 'expr'), (err as Error).message);
        continue;
      }
      for (const id of names) {
        const dot = id.indexOf('.');
        if (dot < 0) {
          if (!request.some((r) => r.name === id)) {
            problems.add(
              at('on_demand', name, 'features', f, 'expr'),
              `"${id}" is neither a request field of ${name} nor view.feature`,
            );
          }
          continue;
        }
        const [view, feature] = [id.slice(0, dot), id.slice(dot + 1)];
        if (!views[view]?.features.some((x) => x.name === feature)) {
          problems.add(
            at('on_demand', name, 'features', f, 'expr'),
            `${id}: no feature ${feature} in a view ${view}`,
          );
          continue;
        }
        inputs.add(`${view}:${feature}`);
      }
    }
    onDemand[name] = {
      name,
      request,
      features,
      inputs: [...inputs],
      ...(o.tags && { tags: o.tags }),
      ...(o.description !== undefined && { description: o.description }),
    };
  }

  const services: Record<string, ServiceDef> = {};
  for (const [name, s] of Object.entries(section.services ?? {})) {
    const decl = Array.isArray(s) ? { features: s } : s;
    const refs: string[] = [];
    decl.features.forEach((ref, i) => {
      try {
        for (const r of expandRef(ref, views, onDemand)) if (!refs.includes(r)) refs.push(r);
      } catch (err) {
        problems.add(
          Array.isArray(s) ? at('services', name, i) : at('services', name, 'features', i),
          (err as Error).message,
        );
      }
    });
    services[name] = {
      name,
      features: refs,
      ...(!Array.isArray(s) && s.description !== undefined && { description: s.description }),
      ...(!Array.isArray(s) && s.tags && { tags: s.tags }),
    };
  }

  return {
    onlineStore: onlineStoreOf(section.online_store, problems),
    entities,
    sources,
    views,
    onDemand,
    services,
  };
}

function onlineStoreOf(decl: OnlineStoreDecl | undefined, problems: Problems): OnlineStoreDef {
  if (!decl || decl.type === 'sqlite') {
    for (const k of ['url', 'url_env', 'prefix'] as const) {
      if (decl?.[k] !== undefined)
        problems.add(['features', 'online_store', k], `${k} is for type: redis`);
    }
    return { type: 'sqlite' };
  }
  if (decl.url === undefined && decl.url_env === undefined) {
    problems.add(['features', 'online_store'], 'a redis online store needs url or url_env');
  }
  return {
    type: 'redis',
    ...(decl.url !== undefined && { url: decl.url }),
    ...(decl.url_env !== undefined && { urlEnv: decl.url_env }),
    prefix: decl.prefix ?? 'mlo:',
  };
}

/**
 * One reference as users write it — `view:feature`, `view` (all its features), the
 * same for on-demand views — as the list of `view:feature` it stands for.
 */
export function expandRef(
  ref: string,
  views: Record<string, ViewDef>,
  onDemand: Record<string, OnDemandDef>,
): string[] {
  const colon = ref.indexOf(':');
  const viewName = colon < 0 ? ref : ref.slice(0, colon);
  const feature = colon < 0 ? undefined : ref.slice(colon + 1);
  const owner = views[viewName] ?? onDemand[viewName];
  if (!owner) throw new Error(`"${ref}": no view or on-demand view named ${viewName}`);
  if (feature === undefined) return owner.features.map((f) => `${viewName}:${f.name}`);
  if (!owner.features.some((f) => f.name === feature)) {
    throw new Error(`"${ref}": ${viewName} has no feature ${feature}`);
  }
  return [ref];
}

/** JSON with object keys sorted, so equal definitions hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function definitionsHash(defs: FeatureDefinitions): string {
  return createHash('sha256').update(canonicalJson(defs)).digest('hex');
}
