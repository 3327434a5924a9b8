/**
 * `mlo features join`: a point-in-time correct training set, with its lineage — the
 * definitions version, the entity file and every source's data hash — recorded in the
 * store by the set's own hash, and on the run when it is built inside `mlo exec` or
 * a pipeline stage (those inputs then show where each feature came from).
 */
import { resolve } from 'node:path';
import { MloError } from '../../errors.js';
import type { Repo } from '../../repo/index.js';
import { hashFile } from '../../data/index.js';
import { hashPaths, startRun, type PathEntry } from '../../tracking/index.js';
import { isInside, toPosixRelative } from '../../util/fs.js';
import { tableFiles } from '../frame.js';
import { isWorkspaceData, sourcePath } from '../paths.js';
import { resolveFeatures } from '../plan.js';
import { insertFeatureSet, type SourceLineage } from '../records.js';
import { definitionsDrifted, openFeatureRegistry } from '../registry.js';
import { joinWithJs } from './engine-js.js';
import { outFormatOf, writeTable } from './output.js';
import type { JoinInputs, JoinSource, JoinStats } from './types.js';

export type JoinEngine = 'auto' | 'js' | 'duckdb';

export interface JoinOptions {
  /** the entity file: join keys and an event time per row (CSV, Parquet, JSON Lines) */
  entities: string;
  /** a service name, or view:feature / view references */
  features: string | readonly string[];
  /** the training set to write: .csv or .parquet */
  out: string;
  /** directory the paths are relative to (default: process.cwd()) */
  cwd?: string;
  /** the entity time column (default: event_timestamp, else the only datetime column) */
  timestamp?: string;
  /** also require created ≤ entity time, so the set can be rebuilt exactly later */
  asOfCreated?: boolean;
  /** name columns view__feature */
  fullNames?: boolean;
  engine?: JoinEngine;
  /** a definitions version other than the latest */
  version?: number;
}

export interface JoinResult {
  /** as given, resolved against cwd */
  out: string;
  hash: string;
  rows: number;
  version: number;
  features: string[];
  engine: 'js' | 'duckdb';
  matched: Record<string, number>;
  sources: SourceLineage[];
  entities: { path: string; hash: string };
  runId: string | null;
  setId: number;
  warnings: string[];
}

export async function joinFeatures(repo: Repo, options: JoinOptions): Promise<JoinResult> {
  const cwd = options.cwd ?? process.cwd();
  const reg = openFeatureRegistry(repo, { version: options.version });
  const warnings: string[] = [];
  if (options.version === undefined && definitionsDrifted(reg)) {
    warnings.push(
      `mlo.yaml's features differ from the applied version ${reg.version}: run mlo features apply`,
    );
  }
  const plan = resolveFeatures(reg.defs, options.features, { fullNames: options.fullNames });
  outFormatOf(options.out);
  const out = resolve(cwd, options.out);
  const entityFile = resolve(cwd, options.entities);
  const sources: Record<string, JoinSource> = {};
  for (const need of plan.views) {
    const def = reg.defs.sources[need.view.source];
    const abs = sourcePath(repo, def);
    const shown = `source ${def.name} (${def.path})`;
    sources[need.view.name] = {
      def,
      files: tableFiles(abs, shown, (p) => isWorkspaceData(repo, p)),
      shown,
    };
  }
  const inputs: JoinInputs = {
    entities: { file: entityFile, shown: options.entities },
    timestamp: options.timestamp,
    sources,
    asOfCreated: options.asOfCreated === true,
    tmpDir: repo.tmpDir,
  };
  const engine = await chooseEngine(options.engine ?? 'auto', plan.onDemand.length > 0);
  let stats: JoinStats;
  if (engine === 'duckdb') {
    const { joinWithDuckDb } = await import('./engine-duckdb.js');
    stats = await joinWithDuckDb(plan, inputs, out);
  } else {
    const joined = await joinWithJs(plan, inputs);
    stats = joined.stats;
    await writeTable(joined.table, out);
  }
  for (const m of stats.mismatches) {
    warnings.push(
      `${m.file}: ${m.cells} cell(s) of ${m.column} do not fit its declared type; read as null`,
    );
  }

  // Lineage: hashes of what was read and of what was written.
  const inRepo = (abs: string): string | undefined => {
    if (!isInside(repo.root, abs)) return undefined;
    const rel = toPosixRelative(repo.root, abs);
    const first = rel.split('/')[0];
    return rel === '' || first === '.mlo' || first === '.git' ? undefined : rel;
  };
  const rels = [
    ...new Set([
      ...plan.views.map((n) => reg.defs.sources[n.view.source].path),
      ...[entityFile, out].map(inRepo).filter((r): r is string => r !== undefined),
    ]),
  ];
  const hashed = hashPaths(repo, rels);
  const entryOf = (abs: string): PathEntry => {
    const rel = inRepo(abs);
    const e = rel === undefined ? undefined : hashed.get(rel);
    if (e) return e;
    const h = hashFile(abs);
    return { path: abs, hash: h.hash, size: h.size };
  };
  const lineage: SourceLineage[] = plan.views.map((n) => {
    const def = reg.defs.sources[n.view.source];
    const e = hashed.get(def.path);
    if (!e)
      throw new MloError('NOT_FOUND', `source ${def.name} (${def.path}) vanished while joining`);
    return { view: n.view.name, source: def.name, path: def.path, hash: e.hash, ttl: n.view.ttl };
  });
  const outEntry = entryOf(out);
  const entEntry = entryOf(entityFile);
  const runId = await recordOnRun(repo, reg.version, [
    ...lineage.map((l) => hashed.get(l.path) as PathEntry),
    entEntry,
    outEntry,
  ]);
  const setId = insertFeatureSet(repo.store, {
    path: inRepo(out) ?? out,
    hash: outEntry.hash,
    rows: stats.rows,
    version: reg.version,
    features: plan.refs,
    entitiesPath: entEntry.path,
    entitiesHash: entEntry.hash,
    sources: lineage,
    asOfCreated: inputs.asOfCreated,
    engine,
    runId,
    createdAt: new Date().toISOString(),
  });
  return {
    out,
    hash: outEntry.hash,
    rows: stats.rows,
    version: reg.version,
    features: plan.refs,
    engine,
    matched: stats.matched,
    sources: lineage,
    entities: { path: entEntry.path, hash: entEntry.hash },
    runId,
    setId,
    warnings,
  };
}

/**
 * `auto`: DuckDB, which measured faster than our own join in bench/features-join.mjs
 * (about half the CPU time, and it uses every core), unless on-demand features are
 * asked for (only the js engine computes them) or the module cannot be loaded.
 */
async function chooseEngine(engine: JoinEngine, onDemand: boolean): Promise<'js' | 'duckdb'> {
  if (engine !== 'auto') return engine;
  if (onDemand) return 'js';
  try {
    await import('@duckdb/node-api');
    return 'duckdb';
  } catch {
    return 'js';
  }
}

/**
 * Inside `mlo exec` or a stage ($MLO_RUN_ID), the set, the entity file and the
 * sources become inputs of that run, with their hashes.
 */
async function recordOnRun(
  repo: Repo,
  version: number,
  entries: PathEntry[],
): Promise<string | null> {
  if (!process.env.MLO_RUN_ID) return null;
  const run = await startRun(repo, { endOnExit: false });
  try {
    for (const e of entries) run.recordPath('input', e);
    run.setTag('mlo.features.version', version);
  } finally {
    await run.end();
  }
  return run.id;
}
