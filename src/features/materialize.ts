/**
 * `mlo features materialize`: the latest value per entity of each online view, from
 * the rows whose event time lies in [start, end], into the online store. With
 * `incremental` each view resumes where its last window ended (the first time:
 * end − ttl, or the beginning when the view has no ttl), as Feast's
 * materialize-incremental does.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { hashPaths } from '../tracking/index.js';
import { withWriteLock } from '../store/index.js';
import { onlineShape } from './changes.js';
import type { SourceDef, ViewDef } from './definitions.js';
import { tableFiles } from './frame.js';
import type { JoinSource } from './join/types.js';
import { latestRowsWithJs } from './latest.js';
import { openOnlineStore, type OnlineStore } from './online/index.js';
import type { KeyKind } from './online/types.js';
import { encodeRows } from './online/codec.js';
import { isWorkspaceData, sourcePath } from './paths.js';
import { insertMaterialization, materializedUntil } from './records.js';
import { definitionsDrifted, openFeatureRegistry } from './registry.js';

export interface MaterializeOptions {
  /** epoch ms; with `incremental` it is ignored */
  start?: number;
  /** epoch ms (default: now) */
  end?: number;
  incremental?: boolean;
  /** only these views (default: every online view) */
  views?: string[];
  /** a redis URL instead of the definitions' online store */
  onlineStore?: string;
  /** who reads the sources: DuckDB when installed (auto), or mlo's own readers */
  engine?: 'auto' | 'js' | 'duckdb';
}

export interface ViewMaterialization {
  view: string;
  startMs: number;
  endMs: number;
  /** source rows in the window */
  rows: number;
  /** distinct entities among them */
  entities: number;
  /** entities whose stored value was replaced or added (older windows never overwrite) */
  written: number;
  sourceHash: string;
}

export interface MaterializeResult {
  version: number;
  store: string;
  views: ViewMaterialization[];
  warnings: string[];
}

export async function materializeFeatures(
  repo: Repo,
  options: MaterializeOptions,
): Promise<MaterializeResult> {
  const reg = openFeatureRegistry(repo);
  const warnings: string[] = [];
  if (definitionsDrifted(reg)) {
    warnings.push(
      `mlo.yaml's features differ from the applied version ${reg.version}: run mlo features apply`,
    );
  }
  const end = options.end ?? Date.now();
  if (!options.incremental && options.start === undefined) {
    throw new MloError('USAGE', 'give START and END, or --incremental');
  }
  if (options.start !== undefined && !options.incremental && options.start > end) {
    throw new MloError('USAGE', 'START is after END');
  }
  const all = Object.values(reg.defs.views);
  for (const v of options.views ?? []) {
    if (!reg.defs.views[v]) throw new MloError('NOT_FOUND', `--view ${v}: no such view`);
  }
  const views = all.filter((v) => (options.views ? options.views.includes(v.name) : v.online));
  for (const v of views)
    if (!v.online) throw new MloError('USAGE', `view ${v.name} has online: false`);
  const engine = await chooseEngine(options.engine ?? 'auto');
  const store = await openOnlineStore(repo, reg.defs.onlineStore, { url: options.onlineStore });
  const results: ViewMaterialization[] = [];
  try {
    for (const view of views) {
      const startMs = options.incremental
        ? (materializedUntil(repo.store, view.name) ??
          (view.ttl > 0 ? end - view.ttl * 1000 : -8.64e15))
        : (options.start as number);
      const { warnings: viewWarnings, ...r } = await materializeView(
        repo,
        reg.defs.sources[view.source],
        view,
        startMs,
        end,
        store,
        engine,
      );
      results.push(r);
      warnings.push(...viewWarnings);
      withWriteLock(repo.store, () =>
        insertMaterialization(repo.store, {
          view: view.name,
          version: reg.version,
          startMs: r.startMs,
          endMs: r.endMs,
          sourceHash: r.sourceHash,
          rows: r.rows,
          entities: r.entities,
          store: store.kind,
          createdAt: new Date().toISOString(),
        }),
      );
    }
  } finally {
    await store.close();
  }
  return { version: reg.version, store: store.where, views: results, warnings };
}

async function materializeView(
  repo: Repo,
  source: SourceDef,
  view: ViewDef,
  startMs: number,
  endMs: number,
  store: OnlineStore,
  engine: 'js' | 'duckdb',
): Promise<ViewMaterialization & { warnings: string[] }> {
  const abs = sourcePath(repo, source);
  const shown = `source ${source.name} (${source.path})`;
  const src: JoinSource = {
    def: source,
    files: tableFiles(abs, shown, (p) => isWorkspaceData(repo, p)),
    shown,
  };
  const hash = hashPaths(repo, [source.path]).get(source.path)?.hash;
  if (!hash) throw new MloError('NOT_FOUND', `${shown}: vanished while reading`);
  const latest =
    engine === 'duckdb'
      ? await (
          await import('./latest-duckdb.js')
        ).latestRowsWithDuckDb(src, view, view.features, startMs, endMs, repo.tmpDir)
      : await latestRowsWithJs(src, view, startMs, endMs);
  const encoded = encodeRows(latest.columns, latest.rowIndex);
  await store.prepare(view.name, onlineShape(view), keyKindOf(view));
  const written = await store.write(view.name, {
    keys: latest.keys,
    eventMs: latest.eventMs,
    createdMs: latest.createdMs,
    buffer: encoded.buffer,
    offsets: encoded.offsets,
  });
  return {
    view: view.name,
    startMs,
    endMs,
    rows: latest.rows,
    entities: latest.keys.length,
    written,
    sourceHash: hash,
    warnings: latest.mismatches.map(
      (m) =>
        `${shown}: ${m.cells} cell(s) of ${m.column} do not fit its declared type; read as null`,
    ),
  };
}

/** One integer join key: stored as an integer (the SQLite store's rowid). */
export function keyKindOf(view: ViewDef): KeyKind {
  return view.joinKeys.length === 1 && view.joinKeys[0].type !== 'string' ? 'int' : 'text';
}

async function chooseEngine(engine: 'auto' | 'js' | 'duckdb'): Promise<'js' | 'duckdb'> {
  if (engine !== 'auto') return engine;
  try {
    await import('@duckdb/node-api');
    return 'duckdb';
  } catch {
    return 'js';
  }
}
