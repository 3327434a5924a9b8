/**
 * `mlo predictions export`: the logged rows of a model in a window, each with the label
 * that joined it (refreshed first, so labels that came before their predictions count).
 * JSON lines and CSV stream in bounded memory; Parquet is built column by column in
 * memory (the writer needs whole columns). A file is written to a temp file and
 * renamed, so an interrupted export never leaves half a file.
 */
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { MloError } from '../../errors.js';
import type { Repo } from '../../repo/index.js';
import { iteratePredictions, type PredictionRecord } from '../../serve/index.js';
import { labelOfPrediction, type PredictionRole } from '../../store/index.js';
import { renameIntoPlace, tempPathFor } from '../../util/atomic.js';
import { refreshJoins } from '../perf/data.js';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type PredictionExportFormat = (typeof EXPORT_FORMATS)[number];

export interface PredictionExportOptions {
  /** NAME (every version), NAME@VERSION or NAME@ALIAS */
  model: string;
  since?: string;
  until?: string;
  role?: PredictionRole;
  format: PredictionExportFormat;
  /** a file (written whole or not at all); absent: `write` gets the text (not Parquet) */
  out?: string;
  /** where text goes without `out` (the CLI passes stdout) */
  write?: (chunk: string) => void;
}

export interface PredictionExportResult {
  rows: number;
  labelled: number;
  format: PredictionExportFormat;
  out: string | null;
  /** input feature columns, in first-seen order */
  features: string[];
}

interface Row {
  record: PredictionRecord;
  label: unknown;
}

export async function exportPredictions(
  repo: Repo,
  options: PredictionExportOptions,
): Promise<PredictionExportResult> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) {
    throw new MloError('USAGE', `--format ${options.format}: expected jsonl, csv or parquet`);
  }
  if (options.format === 'parquet' && options.out === undefined) {
    throw new MloError('USAGE', 'Parquet is binary: name the file with --out', {
      hint: 'mlo predictions export --format parquet --out predictions.parquet',
    });
  }
  refreshJoins(repo);
  const query = {
    model: options.model,
    role: options.role,
    ...(options.since !== undefined && { since: options.since }),
    ...(options.until !== undefined && { until: options.until }),
  };
  const rows = function* (): Generator<Row> {
    for (const record of iteratePredictions(repo, query)) {
      const label = labelOfPrediction(repo.store, record.id);
      yield { record, label: label === undefined ? null : label };
    }
  };
  // the columns of a table format are known before its first row: one pass to find them
  const features: string[] = [];
  let width = 0;
  if (options.format !== 'jsonl') {
    const seen = new Set<string>();
    for (const { record } of rows()) {
      for (const k of Object.keys(record.inputs)) {
        if (!seen.has(k)) {
          seen.add(k);
          features.push(k);
        }
      }
      width = Math.max(width, record.probabilities?.length ?? 0);
    }
  }
  const counts = { rows: 0, labelled: 0 };
  const counted = function* (): Generator<Row> {
    for (const r of rows()) {
      counts.rows++;
      if (r.label !== null) counts.labelled++;
      yield r;
    }
  };
  if (options.format === 'parquet') {
    await writeParquet(options.out!, counted(), features, width);
  } else {
    const lines =
      options.format === 'jsonl' ? jsonLines(counted()) : csvLines(counted(), features, width);
    if (options.out !== undefined) writeTextFile(options.out, lines);
    else for (const chunk of chunked(lines)) options.write?.(chunk);
  }
  return { ...counts, format: options.format, out: options.out ?? null, features };
}

function* jsonLines(rows: Iterable<Row>): Generator<string> {
  for (const { record: r, label } of rows) {
    yield `${JSON.stringify({
      at: r.at,
      model: r.model,
      version: r.version,
      role: r.role,
      route: r.route,
      request_id: r.requestId,
      latency_ms: r.latencyMs,
      inputs: r.inputs,
      prediction: r.prediction,
      probabilities: r.probabilities,
      label,
    })}\n`;
  }
}

const HEAD = ['at', 'model', 'version', 'role', 'route', 'request_id', 'latency_ms'];

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s =
    typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function* csvLines(rows: Iterable<Row>, features: string[], width: number): Generator<string> {
  const probs = Array.from({ length: width }, (_, i) => `p${i}`);
  yield `${[...HEAD, ...features, 'prediction', ...probs, 'label'].map(csvField).join(',')}\n`;
  for (const { record: r, label } of rows) {
    const cells = [r.at, r.model, r.version, r.role, r.route, r.requestId, r.latencyMs];
    for (const f of features) cells.push(r.inputs[f] ?? null);
    cells.push(r.prediction as unknown as string);
    for (let i = 0; i < width; i++) cells.push(r.probabilities?.[i] ?? null);
    cells.push(label as string);
    yield `${cells.map(csvField).join(',')}\n`;
  }
}

/** Lines joined into writes of about 1 MB (one write call per line is slow). */
function* chunked(lines: Iterable<string>): Generator<string> {
  let buf = '';
  for (const l of lines) {
    buf += l;
    if (buf.length >= 1 << 20) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/** Stream lines to a temp file beside `out`, then rename it into place. */
function writeTextFile(out: string, lines: Iterable<string>): void {
  const tmp = tempPathFor(out);
  const fd = openSync(tmp, 'wx');
  try {
    for (const chunk of chunked(lines)) writeSync(fd, chunk);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameIntoPlace(tmp, out);
}

/** A label column's type: numbers stay numbers, anything else is text. */
function labelColumn(labels: unknown[]): { data: unknown[]; type: 'DOUBLE' | 'STRING' } {
  const numeric = labels.every((l) => l === null || typeof l === 'number');
  return numeric
    ? { data: labels, type: 'DOUBLE' }
    : {
        data: labels.map((l) =>
          l === null ? null : typeof l === 'string' ? l : JSON.stringify(l),
        ),
        type: 'STRING',
      };
}

async function writeParquet(
  out: string,
  rows: Iterable<Row>,
  features: string[],
  width: number,
): Promise<void> {
  const cols = {
    at: [] as bigint[],
    model: [] as string[],
    version: [] as number[],
    role: [] as string[],
    route: [] as (string | null)[],
    request_id: [] as (string | null)[],
    latency_ms: [] as (number | null)[],
    prediction: [] as unknown[],
    label: [] as unknown[],
  };
  const feats = features.map(() => [] as (number | null)[]);
  const probs = Array.from({ length: width }, () => [] as (number | null)[]);
  for (const { record: r, label } of rows) {
    cols.at.push(BigInt(r.tsMs));
    cols.model.push(r.model);
    cols.version.push(r.version);
    cols.role.push(r.role);
    cols.route.push(r.route);
    cols.request_id.push(r.requestId);
    cols.latency_ms.push(r.latencyMs);
    features.forEach((f, i) => feats[i].push(r.inputs[f] ?? null));
    cols.prediction.push(r.prediction);
    for (let i = 0; i < width; i++) probs[i].push(r.probabilities?.[i] ?? null);
    cols.label.push(label);
  }
  const { parquetWriteFile } = await import('hyparquet-writer');
  const tmp = tempPathFor(out);
  try {
    parquetWriteFile({
      filename: tmp,
      columnData: [
        { name: 'at', data: cols.at, type: 'TIMESTAMP' },
        { name: 'model', data: cols.model, type: 'STRING' },
        { name: 'version', data: cols.version, type: 'INT32' },
        { name: 'role', data: cols.role, type: 'STRING' },
        { name: 'route', data: cols.route, type: 'STRING' },
        { name: 'request_id', data: cols.request_id, type: 'STRING' },
        { name: 'latency_ms', data: cols.latency_ms, type: 'DOUBLE' },
        ...features.map((f, i) => ({ name: f, data: feats[i], type: 'DOUBLE' as const })),
        { name: 'prediction', ...labelColumn(cols.prediction) },
        ...probs.map((p, i) => ({ name: `p${i}`, data: p, type: 'DOUBLE' as const })),
        { name: 'label', ...labelColumn(cols.label) },
      ],
    });
    renameIntoPlace(tmp, out);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
