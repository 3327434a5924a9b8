/**
 * What is defined, for `mlo features list|show|versions|lineage`: the applied
 * definitions with their online state, one object in detail, the version history,
 * and the training sets behind a file or a run.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { hashFile } from '../data/index.js';
import { getRun } from '../tracking/index.js';
import type { ObjectKind } from './changes.js';
import type { EntityDef, OnDemandDef, ServiceDef, SourceDef, ViewDef } from './definitions.js';
import {
  findFeatureSets,
  lastMaterializations,
  listVersions,
  type FeatureSetRecord,
  type MaterializationRecord,
  type VersionRecord,
} from './records.js';
import { definitionsDrifted, openFeatureRegistry } from './registry.js';

export interface FeatureList {
  version: number;
  /** mlo.yaml says something else than the applied version */
  pending: boolean;
  onlineStore: string;
  entities: EntityDef[];
  sources: SourceDef[];
  views: (ViewDef & {
    materialized?: Pick<MaterializationRecord, 'startMs' | 'endMs' | 'entities' | 'createdAt'>;
  })[];
  onDemand: OnDemandDef[];
  services: ServiceDef[];
}

export function listFeatures(repo: Repo): FeatureList {
  const reg = openFeatureRegistry(repo);
  const mat = new Map(lastMaterializations(repo.store).map((m) => [m.view, m]));
  const d = reg.defs;
  return {
    version: reg.version,
    pending: definitionsDrifted(reg),
    onlineStore: d.onlineStore.type,
    entities: Object.values(d.entities),
    sources: Object.values(d.sources),
    views: Object.values(d.views).map((v) => {
      const m = mat.get(v.name);
      return m
        ? {
            ...v,
            materialized: {
              startMs: m.startMs,
              endMs: m.endMs,
              entities: m.entities,
              createdAt: m.createdAt,
            },
          }
        : v;
    }),
    onDemand: Object.values(d.onDemand),
    services: Object.values(d.services),
  };
}

export type ShownObject =
  | { kind: 'entity'; entity: EntityDef; views: string[] }
  | { kind: 'source'; source: SourceDef; views: string[] }
  | {
      kind: 'view';
      view: ViewDef;
      source: SourceDef;
      materialized?: MaterializationRecord;
      services: string[];
    }
  | { kind: 'on_demand'; onDemand: OnDemandDef; services: string[] }
  | { kind: 'service'; service: ServiceDef };

/** One object by name; `kind` settles a name two kinds share. */
export function showFeatureObject(
  repo: Repo,
  name: string,
  kind?: ObjectKind,
): ShownObject & { version: number } {
  const reg = openFeatureRegistry(repo);
  const d = reg.defs;
  const usedBy = (ref: (f: string) => boolean): string[] =>
    Object.values(d.services)
      .filter((s) => s.features.some(ref))
      .map((s) => s.name);
  const found: ShownObject[] = [];
  if (d.services[name]) found.push({ kind: 'service', service: d.services[name] });
  if (d.views[name]) {
    const v = d.views[name];
    found.push({
      kind: 'view',
      view: v,
      source: d.sources[v.source],
      materialized: lastMaterializations(repo.store).find((m) => m.view === name),
      services: usedBy((f) => f.startsWith(`${name}:`)),
    });
  }
  if (d.onDemand[name]) {
    found.push({
      kind: 'on_demand',
      onDemand: d.onDemand[name],
      services: usedBy((f) => f.startsWith(`${name}:`)),
    });
  }
  if (d.entities[name]) {
    found.push({
      kind: 'entity',
      entity: d.entities[name],
      views: Object.values(d.views)
        .filter((v) => v.entities.includes(name))
        .map((v) => v.name),
    });
  }
  if (d.sources[name]) {
    found.push({
      kind: 'source',
      source: d.sources[name],
      views: Object.values(d.views)
        .filter((v) => v.source === name)
        .map((v) => v.name),
    });
  }
  const hit = kind ? found.find((f) => f.kind === kind) : found[0];
  if (!hit) {
    throw new MloError(
      'NOT_FOUND',
      `no ${kind ?? 'feature object'} named ${name} in version ${reg.version}`,
      {
        hint: 'mlo features list shows what is defined',
      },
    );
  }
  return { ...hit, version: reg.version };
}

export function featureVersions(repo: Repo): Omit<VersionRecord, 'definitions'>[] {
  return listVersions(repo.store);
}

export interface LineageResult {
  /** the file or run asked about */
  target: string;
  sets: FeatureSetRecord[];
}

/** The training sets a file is, or a run read (by the hashes of its inputs). */
export function featureLineage(repo: Repo, target: string, cwd = process.cwd()): LineageResult {
  const abs = resolve(cwd, target);
  let hashes: string[];
  if (statSync(abs, { throwIfNoEntry: false })?.isFile()) hashes = [hashFile(abs).hash];
  else {
    let run;
    try {
      run = getRun(repo, target);
    } catch (err) {
      if (err instanceof MloError && err.code !== 'INTERNAL') {
        throw new MloError('NOT_FOUND', `${target}: neither a file nor a run`);
      }
      throw err;
    }
    hashes = run.inputs.map((i) => i.hash).filter((h): h is string => typeof h === 'string');
  }
  return { target, sets: findFeatureSets(repo.store, hashes) };
}
