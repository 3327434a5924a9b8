/**
 * The join in mlo's own code: read the entity file and each view's source through
 * src/io into typed columns, match with pit.ts, gather the features, compute the
 * on-demand ones. One view's source is in memory at a time.
 */
import { MloError } from '../../errors.js';
import { openTable, type ColumnKind } from '../../io/index.js';
import type { Value } from '../expr.js';
import { coerce } from '../values.js';
import { kindOfType, readFrame, type Frame, type FrameColumn, type NumColumn } from '../frame.js';
import type { FeaturePlan } from '../plan.js';
import type { FeatureType } from '../schema.js';
import { keyIds, matchRows, newKeyIndex, sortSource } from './pit.js';
import { typeOfKind, type OutColumn, type OutTable } from './output.js';
import type { JoinInputs, JoinStats } from './types.js';

export async function joinWithJs(
  plan: FeaturePlan,
  inputs: JoinInputs,
): Promise<{ table: OutTable; stats: JoinStats }> {
  const entity = await readEntityFrame(plan, inputs);
  const stats: JoinStats = { rows: entity.frame.length, matched: {}, mismatches: [] };
  for (const [col, n] of entity.frame.mismatches)
    stats.mismatches.push({ file: inputs.entities.shown, column: col, cells: n });
  const ts = entity.frame.columns.get(entity.timestamp) as NumColumn;
  const gathered = new Map<string, FrameColumn>();

  for (const need of plan.views) {
    const { view } = need;
    const src = inputs.sources[view.name];
    const columns: Record<string, ColumnKind> = {};
    for (const k of view.joinKeys) columns[k.name] = kindOfType(k.type);
    columns[src.def.timestamp] = 'datetime';
    if (src.def.createdTimestamp) columns[src.def.createdTimestamp] = 'datetime';
    for (const f of need.features) columns[f.name] = kindOfType(f.type);
    const frame = await readFrame(src.files, src.shown, { columns, format: src.def.format });
    for (const [col, n] of frame.mismatches)
      stats.mismatches.push({ file: src.shown, column: col, cells: n });

    const index = newKeyIndex(frame, view.joinKeys);
    const srcIds = keyIds(frame, view.joinKeys, index, true);
    const entIds = keyIds(entity.frame, view.joinKeys, index, false);
    const event = frame.columns.get(src.def.timestamp) as NumColumn;
    const created = src.def.createdTimestamp
      ? frame.columns.get(src.def.createdTimestamp)
      : undefined;
    const sorted = sortSource(srcIds, index.ids.size, event.values, event.valid, created);
    const match = matchRows(sorted, entIds, ts.values, ts.valid, {
      ttl: view.ttl,
      asOfCreated: inputs.asOfCreated && created !== undefined,
    });
    let matched = 0;
    for (let i = 0; i < match.length; i++) if (match[i] >= 0) matched++;
    stats.matched[view.name] = matched;
    for (const f of need.features) {
      gathered.set(
        `${view.name}:${f.name}`,
        gather(frame.columns.get(f.name) as FrameColumn, match),
      );
    }
  }

  const columns: OutColumn[] = entity.frame.order.map((name) => {
    const c = entity.frame.columns.get(name) as FrameColumn;
    return { name, type: typeOfKind(c.as), data: c };
  });
  refuseNameClashes(plan, entity.frame.order, inputs.entities.shown);
  for (const out of plan.outputs) {
    const data = out.onDemand
      ? computeOnDemand(plan, out.view, out.feature, entity.frame, gathered)
      : (gathered.get(out.ref) as FrameColumn);
    columns.push({ name: out.name, type: out.type, data });
  }
  return { table: { length: entity.frame.length, columns }, stats };
}

interface EntityFrame {
  frame: Frame;
  timestamp: string;
}

/**
 * The entity file, every column, with the join keys, the timestamp and the request
 * fields read as the definitions declare them.
 */
async function readEntityFrame(plan: FeaturePlan, inputs: JoinInputs): Promise<EntityFrame> {
  const { file, shown } = inputs.entities;
  const reader = await openTable(file);
  const names = reader.schema.columns.map((c) => c.name);
  const timestamp = pickTimestamp(
    inputs.timestamp,
    reader.schema.columns.map((c) => ({ name: c.name, datetime: c.kind === 'datetime' })),
    shown,
  );
  const types: Record<string, ColumnKind> = { [timestamp]: 'datetime' };
  for (const need of plan.views) {
    for (const k of need.view.joinKeys) {
      if (!names.includes(k.name)) {
        throw new MloError(
          'INVALID',
          `${shown}: no column ${k.name}, a join key of view ${need.view.name}`,
          {
            hint: `columns: ${names.join(', ')}`,
          },
        );
      }
      types[k.name] = kindOfType(k.type);
    }
  }
  for (const r of plan.requestFields) {
    if (!names.includes(r.name)) {
      throw new MloError(
        'INVALID',
        `${shown}: no column ${r.name}, a request field of an on-demand feature`,
      );
    }
    types[r.name] = kindOfType(r.type);
  }
  const frame = await readFrame([file], shown, { allColumns: true, columns: types });
  return { frame, timestamp };
}

/** A feature may not take the name of a column of the entity file. */
export function refuseNameClashes(
  plan: FeaturePlan,
  columns: readonly string[],
  shown: string,
): void {
  for (const out of plan.outputs) {
    if (columns.includes(out.name)) {
      throw new MloError(
        'USAGE',
        `feature ${out.ref} would be named ${out.name}, a column of ${shown}`,
        {
          hint: 'add --full-names to name feature columns view__feature',
        },
      );
    }
  }
}

/** `--timestamp`, else event_timestamp, else the only datetime column (Feast's rule). */
export function pickTimestamp(
  given: string | undefined,
  columns: readonly { name: string; datetime: boolean }[],
  shown: string,
): string {
  const names = columns.map((c) => c.name);
  if (given !== undefined) {
    if (!names.includes(given)) {
      throw new MloError('USAGE', `--timestamp ${given}: ${shown} has no such column`, {
        hint: `columns: ${names.join(', ')}`,
      });
    }
    return given;
  }
  if (names.includes('event_timestamp')) return 'event_timestamp';
  const dates = columns.filter((c) => c.datetime).map((c) => c.name);
  if (dates.length === 1) return dates[0];
  throw new MloError('USAGE', `${shown}: which column is the entity time?`, {
    hint: dates.length
      ? `several datetime columns (${dates.join(', ')}): name one with --timestamp`
      : 'name it event_timestamp, or give --timestamp COLUMN',
  });
}

function gather(col: FrameColumn, match: Int32Array): FrameColumn {
  const n = match.length;
  if (col.kind === 'text') {
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = match[i] < 0 ? -1 : col.codes[match[i]];
    return { kind: 'text', as: col.as, codes, dict: col.dict };
  }
  const values = new Float64Array(n);
  const valid = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = match[i];
    if (r >= 0 && col.valid[r] === 1) {
      values[i] = col.values[r];
      valid[i] = 1;
    }
  }
  return { kind: 'num', as: col.as, values, valid };
}

function cellValue(col: FrameColumn | undefined, i: number, type?: FeatureType): Value {
  if (!col) return null;
  if (col.kind === 'text') return col.codes[i] < 0 ? null : col.dict[col.codes[i]];
  if (col.valid[i] === 0) return null;
  return type === 'bool' || col.as === 'boolean' ? col.values[i] !== 0 : col.values[i];
}

function computeOnDemand(
  plan: FeaturePlan,
  odName: string,
  feature: string,
  entity: Frame,
  gathered: Map<string, FrameColumn>,
): Value[] {
  const od = plan.onDemand.find((o) => o.def.name === odName);
  const f = od?.features.find((x) => x.def.name === feature);
  if (!od || !f)
    throw new MloError('INTERNAL', `on-demand feature ${odName}:${feature} not planned`);
  const sources = f.expr.names.map((id) => {
    const dot = id.indexOf('.');
    return dot < 0
      ? entity.columns.get(id)
      : gathered.get(`${id.slice(0, dot)}:${id.slice(dot + 1)}`);
  });
  const n = entity.length;
  const out = new Array<Value>(n);
  let row = 0;
  const env = (slot: number): Value => cellValue(sources[slot], row);
  for (row = 0; row < n; row++) out[row] = coerce(f.expr.evaluate(env), f.def.type);
  return out;
}
