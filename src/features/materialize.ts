/**
 * `mlo features materialize`: the latest value per entity of each online view, from
 * the rows whose event time lies in [start, end], into the online store. With
 * `incremental` each view resumes where its last window ended (the first time:
 * end − ttl, or the beginning when the view has no ttl), as Feast's
 * materialize-incremental does.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import type { ColumnKind } from '../io/index.js';
import { hashPaths } from '../tracking/index.js';
import { withWriteLock } from '../store/index.js';
import { onlineShape } from './changes.js';
import type { ViewDef } from './definitions.js';
import { kindOfType, readFrame, tableFiles, type FrameColumn, type NumColumn } from './frame.js';
import { keyIds, newKeyIndex } from './join/pit.js';
import { keyText } from './keys.js';
import { openOnlineStore } from './online/index.js';
import type { KeyKind, OnlineRows } from './online/types.js';
import { encodeRows, slotOf, type EncodeColumn } from './online/codec.js';
import type { FeatureType } from './schema.js';
import { isWorkspaceData, sourcePath } from './paths.js';
import { insertMaterialization, materializedUntil } from './records.js';
import { definitionsDrifted, openRegistry } from './registry.js';

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
  const reg = openRegistry(repo);
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
  source: Parameters<typeof sourcePath>[1],
  view: ViewDef,
  startMs: number,
  endMs: number,
  store: Awaited<ReturnType<typeof openOnlineStore>>,
): Promise<ViewMaterialization & { warnings: string[] }> {
  const abs = sourcePath(repo, source);
  const shown = `source ${source.name} (${source.path})`;
  const files = tableFiles(abs, shown, (p) => isWorkspaceData(repo, p));
  const hash = hashPaths(repo, [source.path]).get(source.path)?.hash;
  if (!hash) throw new MloError('NOT_FOUND', `${shown}: vanished while reading`);
  const columns: Record<string, ColumnKind> = {};
  for (const k of view.joinKeys) columns[k.name] = kindOfType(k.type);
  columns[source.timestamp] = 'datetime';
  if (source.createdTimestamp) columns[source.createdTimestamp] = 'datetime';
  for (const f of view.features) columns[f.name] = kindOfType(f.type);
  const frame = await readFrame(files, shown, { columns, format: source.format });
  const warnings = [...frame.mismatches].map(
    ([c, n]) => `${shown}: ${n} cell(s) of ${c} do not fit its declared type; read as null`,
  );

  const event = frame.columns.get(source.timestamp) as NumColumn;
  const createdCol = source.createdTimestamp
    ? (frame.columns.get(source.createdTimestamp) as NumColumn)
    : undefined;
  const index = newKeyIndex(frame, view.joinKeys);
  const ids = keyIds(frame, view.joinKeys, index, true);
  const groups = index.ids.size;
  // latest row per entity: event time, then created time, then the later row
  const best = new Int32Array(groups).fill(-1);
  let rows = 0;
  const ev = event.values;
  const created = (i: number): number =>
    createdCol && createdCol.valid[i] ? createdCol.values[i] : -Infinity;
  for (let i = 0; i < frame.length; i++) {
    const g = ids[i];
    if (g < 0 || event.valid[i] === 0 || ev[i] < startMs || ev[i] > endMs) continue;
    rows++;
    const b = best[g];
    if (b < 0 || ev[i] > ev[b] || (ev[i] === ev[b] && created(i) >= created(b))) best[g] = i;
  }

  const keyOf = keyTextsById(index.ids, index.numeric, view);
  const picked: number[] = [];
  for (let g = 0; g < groups; g++) if (best[g] >= 0) picked.push(best[g]);
  const rowsOut = Int32Array.from(picked);
  const n = rowsOut.length;
  const keys = new Array<string>(n);
  const eventMs = new Float64Array(n);
  const createdMs = new Float64Array(n);
  let j = 0;
  for (let g = 0; g < groups; g++) {
    const r = best[g];
    if (r < 0) continue;
    keys[j] = keyOf[g];
    eventMs[j] = ev[r];
    createdMs[j] = createdCol && createdCol.valid[r] ? createdCol.values[r] : NaN;
    j++;
  }
  const encoded = encodeRows(
    view.features.map((f) => encodeColumn(frame.columns.get(f.name) as FrameColumn, f.type)),
    rowsOut,
  );
  const out: OnlineRows = {
    keys,
    eventMs,
    createdMs,
    buffer: encoded.buffer,
    offsets: encoded.offsets,
  };
  await store.prepare(view.name, onlineShape(view), keyKindOf(view));
  const written = await store.write(view.name, out);
  return {
    view: view.name,
    startMs,
    endMs,
    rows,
    entities: n,
    written,
    sourceHash: hash,
    warnings,
  };
}

/** The canonical key text of every id, from the index the ids were assigned by. */
function keyTextsById(
  ids: Map<string | number, number>,
  numeric: boolean,
  view: ViewDef,
): string[] {
  const out = new Array<string>(ids.size);
  for (const [k, id] of ids) {
    out[id] = numeric ? (keyText(view.joinKeys[0].type, k) ?? String(k)) : String(k);
  }
  // composite keys were joined with the separator already (pit.keyIds)
  return out;
}

function encodeColumn(col: FrameColumn, type: FeatureType): EncodeColumn {
  if (col.kind === 'text') return { slot: 'text', codes: col.codes, dict: col.dict };
  return { slot: slotOf(type) === 'bool' ? 'bool' : 'num', values: col.values, valid: col.valid };
}

/** One integer join key: stored as an integer (the SQLite store's rowid). */
export function keyKindOf(view: ViewDef): KeyKind {
  return view.joinKeys.length === 1 && view.joinKeys[0].type !== 'string' ? 'int' : 'text';
}
