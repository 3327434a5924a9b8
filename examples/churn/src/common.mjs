// What every stage script shares: the mlo library, params, reading and writing tables,
// and logging to the run mlo started.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The mlo library. Programs that mlo starts (pipeline stages, `mlo exec -- ...`) get
 * MLO_LIB, the path of the running mlo's library, so they need nothing installed. To
 * run a script by hand, without mlo starting it, `npm install mlo` in this folder.
 */
async function loadMlo() {
  try {
    return await import(process.env.MLO_LIB ?? 'mlo');
  } catch (err) {
    if (process.env.MLO_LIB === undefined && err?.code === 'ERR_MODULE_NOT_FOUND') {
      console.error(
        'error: the mlo library was not found\n' +
          'hint: run this script through mlo (`mlo repro`, or `mlo exec -- node <script>`), or `npm install mlo` here',
      );
      process.exit(2);
    }
    throw err;
  }
}

export const mlo = await loadMlo();

/** params.yaml as an object (mlo records the keys each stage declares). */
export function readParams(file = 'params.yaml') {
  return mlo.parseDataText(readFileSync(file, 'utf8'), file) ?? {};
}

/**
 * A CSV (or Parquet, JSON Lines) file as an array of plain objects, through mlo's
 * typed reader: numbers are numbers, empty cells null, ISO dates epoch milliseconds.
 */
export async function readRows(path) {
  const { batch } = await mlo.readTable(path);
  const rows = Array.from({ length: batch.length }, () => ({}));
  for (const col of batch.columns) {
    for (let i = 0; i < batch.length; i++) rows[i][col.name] = mlo.valueAt(col, i);
  }
  return rows;
}

export function writeCsv(path, rows, columns) {
  const cell = (v) => (v === null || v === undefined ? '' : String(v));
  const lines = [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))];
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, lines.join('\n') + '\n');
}

export function writeJson(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Log to the run through the MLO_LOG line protocol (one JSON object per line);
 * any language can do the same. Outside mlo there is no run and nothing is logged.
 */
export function log(entry) {
  if (process.env.MLO_LOG) appendFileSync(process.env.MLO_LOG, JSON.stringify(entry) + '\n');
}
