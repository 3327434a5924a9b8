/**
 * `mlo feedback add FILE` and `POST /feedback`: ground truth joined to the prediction
 * log. Labels are staged, then merged in one transaction (src/store/feedback.ts), so a
 * feed is all in or not at all, feeding the same labels twice changes nothing, and a
 * corrected label replaces the old one.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { MloError } from '../../errors.js';
import {
  openTable,
  requireColumns,
  valueAt,
  type Column,
  type ColumnKind,
} from '../../io/index.js';
import type { Repo } from '../../repo/index.js';
import { drainSpool } from '../../serve/index.js';
import { LabelStaging, type LabelMergeCounts, type StagedLabel } from '../../store/index.js';
import type { ProgressFn } from '../../util/progress.js';
import {
  checkFeatureName,
  entityJoin,
  epochMs,
  type EntityJoin,
  type JoinMode,
} from './options.js';

export interface AddFeedbackOptions {
  /** CSV, Parquet or JSON Lines */
  file: string;
  /** relative paths resolve against this (default: the process's cwd) */
  cwd?: string;
  /** the column holding the request id (x-request-id of the logged request) */
  id?: string;
  /** the column holding the instance's position within a multi-instance request (0-based) */
  index?: string;
  /** instead of an id: the column holding an entity key (joined within a time window) */
  entity?: string;
  /** the input feature the entity key is logged under (default: the entity column's name) */
  entityFeature?: string;
  /** entity joins: how far before the label's time its prediction may be (default 7d) */
  window?: string;
  /** entity joins: only this model's predictions (NAME) */
  model?: string;
  /** the column holding the label */
  label: string;
  /** the column holding when the label was observed (required with an entity key) */
  time?: string;
  onProgress?: ProgressFn;
}

export interface FeedbackSkipped {
  /** rows without a request id (entity) */
  noKey: number;
  /** rows without a label (empty, null, NaN) */
  noLabel: number;
  /** entity rows without a time */
  noTime: number;
  /** rows whose index is not a whole number >= 0 */
  badIndex: number;
}

export interface FeedbackResult extends LabelMergeCounts {
  source: string;
  mode: JoinMode;
  skipped: FeedbackSkipped;
}

/** A label as the HTTP handler and programs give it. */
export interface LabelRecord {
  requestId?: string;
  index?: number;
  entity?: string;
  /** epoch ms (or seconds, see epochMs) or an ISO date */
  time?: number | string;
  label: string | number | boolean;
}

const STAGE_ROWS = 16_384;

/** A label value as it is stored: numbers stay numbers, booleans become "true"/"false". */
export function storedLabel(v: unknown): string | number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return v === '' ? null : v;
  return null;
}

function emptySkipped(): FeedbackSkipped {
  return { noKey: 0, noLabel: 0, noTime: 0, badIndex: 0 };
}

/** Read a labels file and merge it. */
export async function addFeedback(
  repo: Repo,
  options: AddFeedbackOptions,
): Promise<FeedbackResult> {
  if ((options.id === undefined) === (options.entity === undefined)) {
    throw new MloError('USAGE', 'give exactly one of --id COLUMN (request ids) or --entity COLUMN');
  }
  if (options.entity !== undefined && options.time === undefined) {
    throw new MloError('USAGE', '--entity needs --time COLUMN: entity labels join by time', {
      hint: 'the label joins the latest prediction for its entity within --window before that time',
    });
  }
  if (options.index !== undefined && options.id === undefined) {
    throw new MloError('USAGE', '--index goes with --id');
  }
  const mode: JoinMode = options.id !== undefined ? 'request' : 'entity';
  const join =
    mode === 'entity'
      ? entityJoin(options.entityFeature ?? options.entity!, options.window, options.model)
      : undefined;
  if (mode === 'request' && (options.window !== undefined || options.entityFeature !== undefined)) {
    throw new MloError('USAGE', '--window and --entity-feature go with --entity');
  }
  const abs = resolve(options.cwd ?? process.cwd(), options.file);
  if (!existsSync(abs)) throw new MloError('NOT_FOUND', `${options.file}: no such file`);
  const key = (options.id ?? options.entity)!;
  const columns = [key, options.label];
  if (options.time !== undefined) columns.push(options.time);
  if (options.index !== undefined) columns.push(options.index);
  const dup = columns.find((c, i) => columns.indexOf(c) !== i);
  if (dup !== undefined) throw new MloError('USAGE', `column "${dup}" is named twice`);
  const head = await openTable(abs, { sampleRows: 1 });
  requireColumns(head.schema.fileColumns, columns, { file: options.file, purpose: 'the feedback' });
  // ids and entity keys are text even when they look like numbers ("007" stays "007")
  const types: Record<string, ColumnKind> = { [key]: 'string' };
  const reader = await openTable(abs, { columns, types, onProgress: options.onProgress });
  const timeKind = options.time === undefined ? undefined : reader.schema.columns[2].kind;
  if (timeKind !== undefined && !['datetime', 'number', 'integer'].includes(timeKind)) {
    throw new MloError(
      'INVALID',
      `${options.file}: --time column "${options.time}" holds ${timeKind} values, not dates or epoch times`,
    );
  }
  const staging = new LabelStaging(repo.store, mode);
  const skipped = emptySkipped();
  try {
    let buf: StagedLabel[] = [];
    for await (const batch of reader.batches()) {
      const [keyCol, labelCol] = batch.columns;
      const timeCol = options.time === undefined ? undefined : batch.columns[2];
      const indexCol =
        options.index === undefined ? undefined : batch.columns[options.time === undefined ? 2 : 3];
      for (let i = 0; i < batch.length; i++) {
        const row = stageRow(keyCol, labelCol, timeCol, indexCol, i, mode, skipped);
        if (row === null) continue;
        buf.push(row);
        if (buf.length === STAGE_ROWS) {
          staging.add(buf);
          buf = [];
        }
      }
    }
    staging.add(buf);
    // rows a server left in its spool are part of the log the labels join
    drainSpool(repo.store);
    const source = `file:${basename(options.file)}`;
    const counts = staging.merge(mergeOptions(source, join));
    return { ...counts, source, mode, skipped };
  } finally {
    staging.dispose();
  }
}

function stageRow(
  keyCol: Column,
  labelCol: Column,
  timeCol: Column | undefined,
  indexCol: Column | undefined,
  i: number,
  mode: JoinMode,
  skipped: FeedbackSkipped,
): StagedLabel | null {
  const key = valueAt(keyCol, i);
  if (key === null || key === '') {
    skipped.noKey++;
    return null;
  }
  const label = storedLabel(valueAt(labelCol, i));
  if (label === null) {
    skipped.noLabel++;
    return null;
  }
  let eventMs: number | null = null;
  if (timeCol !== undefined) {
    const t = valueAt(timeCol, i);
    if (typeof t === 'number' && Number.isFinite(t)) {
      eventMs = timeCol.kind === 'datetime' ? Math.round(t) : epochMs(t);
    }
  }
  if (mode === 'entity') {
    if (eventMs === null) {
      skipped.noTime++;
      return null;
    }
    return [null, -1, String(key), eventMs, label];
  }
  let idx = -1;
  if (indexCol !== undefined) {
    const v = valueAt(indexCol, i);
    if (v !== null) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        skipped.badIndex++;
        return null;
      }
      idx = v;
    }
  }
  return [String(key), idx, null, eventMs, label];
}

function mergeOptions(source: string, join: EntityJoin | undefined) {
  return {
    source,
    receivedMs: Date.now(),
    ...(join && { windowMs: join.windowMs, entityFeature: join.feature, model: join.model }),
  };
}

export interface IngestLabelsOptions {
  /** where the labels came from, recorded with them (default "api") */
  source?: string;
  /** entity labels: the input feature holding the key (default "entity") and window */
  entityFeature?: string;
  window?: string;
  model?: string;
}

/** Merge labels given as records (the HTTP handler, programs). */
export function ingestLabels(
  repo: Repo,
  labels: readonly LabelRecord[],
  options: IngestLabelsOptions = {},
): FeedbackResult {
  if (labels.length === 0) throw new MloError('INVALID', 'no labels given');
  const entity = labels[0].entity !== undefined;
  const mode: JoinMode = entity ? 'entity' : 'request';
  // options are checked before the labels are read
  if (entity) entityJoin(options.entityFeature ?? 'entity', options.window, options.model);
  if (options.entityFeature !== undefined)
    checkFeatureName(options.entityFeature, 'entity feature');
  const skipped = emptySkipped();
  const rows: StagedLabel[] = [];
  labels.forEach((l, n) => {
    if ((l.entity !== undefined) !== entity) {
      throw new MloError(
        'INVALID',
        `label ${n + 1}: mixes entity and request-id labels; send them separately`,
      );
    }
    const label = storedLabel(l.label);
    if (label === null) {
      skipped.noLabel++;
      return;
    }
    const eventMs = l.time === undefined ? null : timeOf(l.time, n);
    if (entity) {
      if (l.entity === '' || l.entity === undefined) skipped.noKey++;
      else if (eventMs === null) skipped.noTime++;
      else rows.push([null, -1, l.entity, eventMs, label]);
      return;
    }
    if (l.requestId === undefined || l.requestId === '') {
      skipped.noKey++;
      return;
    }
    if (l.index !== undefined && !(Number.isInteger(l.index) && l.index >= 0)) {
      skipped.badIndex++;
      return;
    }
    rows.push([l.requestId, l.index ?? -1, null, eventMs, label]);
  });
  return { ...mergeLabelRows(repo, mode, rows, options), skipped };
}

/**
 * Merge labels already in their stored form (as a pull brings them from a server): the
 * same staging, merge and joins as a feed, so feeding them twice changes nothing.
 * Entity labels join with `entityFeature` (default "entity") and `window` (default 7d).
 */
export function mergeLabelRows(
  repo: Repo,
  mode: JoinMode,
  rows: readonly StagedLabel[],
  options: IngestLabelsOptions = {},
): Omit<FeedbackResult, 'skipped'> {
  const join =
    mode === 'entity'
      ? entityJoin(options.entityFeature ?? 'entity', options.window, options.model)
      : undefined;
  const staging = new LabelStaging(repo.store, mode);
  try {
    staging.add(rows);
    drainSpool(repo.store);
    const source = options.source ?? 'api';
    return { ...staging.merge(mergeOptions(source, join)), source, mode };
  } finally {
    staging.dispose();
  }
}

function timeOf(t: number | string, n: number): number {
  if (typeof t === 'number' && Number.isFinite(t)) return epochMs(t);
  if (typeof t === 'string') {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return ms;
  }
  throw new MloError(
    'INVALID',
    `label ${n + 1}: time ${JSON.stringify(t)} is not a date or epoch time`,
  );
}
