/**
 * What changed between two versions of the definitions: objects added, changed
 * (with the fields that changed) and removed; and which views lose their online
 * values because of it.
 */
import { canonicalJson, type FeatureDefinitions, type ViewDef } from './definitions.js';
import { formatDuration } from './duration.js';

export type ObjectKind = 'entity' | 'source' | 'view' | 'on_demand' | 'service' | 'online_store';

export interface Change {
  kind: ObjectKind;
  name: string;
  /** for changed objects: one line per changed field, e.g. "ttl: 30d → 7d" */
  details?: string[];
}

export interface ChangeSet {
  added: Change[];
  changed: Change[];
  removed: Change[];
}

const KINDS: [ObjectKind, keyof Omit<FeatureDefinitions, 'onlineStore'>][] = [
  ['entity', 'entities'],
  ['source', 'sources'],
  ['view', 'views'],
  ['on_demand', 'onDemand'],
  ['service', 'services'],
];

export function isEmpty(c: ChangeSet): boolean {
  return c.added.length + c.changed.length + c.removed.length === 0;
}

export function diffDefinitions(before: FeatureDefinitions, after: FeatureDefinitions): ChangeSet {
  const out: ChangeSet = { added: [], changed: [], removed: [] };
  for (const [kind, key] of KINDS) {
    const a = before[key] as Record<string, object>;
    const b = after[key] as Record<string, object>;
    for (const name of Object.keys(b).sort()) {
      if (!(name in a)) out.added.push({ kind, name });
      else if (canonicalJson(a[name]) !== canonicalJson(b[name]))
        out.changed.push({ kind, name, details: fieldChanges(a[name], b[name]) });
    }
    for (const name of Object.keys(a).sort()) if (!(name in b)) out.removed.push({ kind, name });
  }
  if (canonicalJson(before.onlineStore) !== canonicalJson(after.onlineStore)) {
    out.changed.push({
      kind: 'online_store',
      name: after.onlineStore.type,
      details: [`${before.onlineStore.type} → ${after.onlineStore.type}`],
    });
  }
  return out;
}

const show = (field: string, v: unknown): string =>
  v === undefined
    ? '-'
    : field === 'ttl' && typeof v === 'number'
      ? formatDuration(v)
      : typeof v === 'string'
        ? v
        : JSON.stringify(v);

function fieldChanges(a: object, b: object): string[] {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const fields = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
  const lines: string[] = [];
  for (const f of fields) {
    if (canonicalJson(ra[f]) === canonicalJson(rb[f])) continue;
    if (f === 'features' && Array.isArray(ra[f]) && Array.isArray(rb[f])) {
      lines.push(`features: ${featureChanges(ra[f] as unknown[], rb[f] as unknown[])}`);
    } else lines.push(`${f}: ${show(f, ra[f])} → ${show(f, rb[f])}`);
  }
  return lines;
}

function featureChanges(a: unknown[], b: unknown[]): string {
  // view features are {name, type}; a service's are "view:feature" strings
  const nameOf = (x: unknown): string => (typeof x === 'string' ? x : (x as { name: string }).name);
  const byName = (xs: unknown[]) => new Map(xs.map((x) => [nameOf(x), x]));
  const ma = byName(a);
  const mb = byName(b);
  const parts: string[] = [];
  for (const [n, f] of mb) {
    const old = ma.get(n);
    if (!old) parts.push(`+${n}`);
    else if (canonicalJson(old) !== canonicalJson(f)) parts.push(`~${n}`);
  }
  for (const n of ma.keys()) if (!mb.has(n)) parts.push(`-${n}`);
  if (parts.length === 0) parts.push('order');
  return parts.join(' ');
}

/** What a view's online values depend on: when it changes, the stored values are void. */
export function onlineShape(v: ViewDef): string {
  return canonicalJson({
    joinKeys: v.joinKeys,
    features: v.features.map((f) => [f.name, f.type]),
    source: v.source,
  });
}

/**
 * Views whose online values must go: removed, turned offline, or changed in shape
 * (keys, features, source); every view when the online store itself changed.
 */
export function viewsToPurge(before: FeatureDefinitions, after: FeatureDefinitions): string[] {
  const storeChanged = canonicalJson(before.onlineStore) !== canonicalJson(after.onlineStore);
  const out: string[] = [];
  for (const [name, v] of Object.entries(before.views)) {
    const next = after.views[name];
    if (
      storeChanged ||
      !next ||
      !next.online ||
      onlineShape(next) !== onlineShape(v) ||
      canonicalJson(after.sources[next.source]) !== canonicalJson(before.sources[v.source])
    ) {
      out.push(name);
    }
  }
  return out.sort();
}
