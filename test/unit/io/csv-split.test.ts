/**
 * Reading a CSV file in two parts (what the drift engine does on two threads) against
 * one pass over it: the first part stops at the split only when it may, the second is
 * refused when it is not plain rows, and either way the rows, values and issues put
 * together are those of one pass. Files mix CRLF, blank lines, missing values, NaN
 * spellings, mismatched cells and quoted fields with commas, doubled quotes and line
 * breaks.
 */
import { describe, expect, it } from 'vitest';
import {
  CsvPartRefused,
  findSplit,
  isSplittableCsv,
  openCsvPart,
  openTable,
  textAt,
  valueAt,
  type ColumnBatch,
  type CsvRange,
  type SplittableCsv,
} from '../../../src/io/index.js';
import { rng, tempFile } from './helpers.js';

const SPELLINGS = ['', 'NA', 'NaN', 'nan', 'null', 'NULL', 'inf', '-inf', 'N/A'];

interface Shape {
  crlf: boolean;
  /** rows with a quoted field (some with a line break inside); -1: none */
  quotedRows: number[];
  /** rows with a cell that does not fit the numeric column */
  badRows: number[];
}

function randomCsv(seed: number, rows: number, shape: Shape): string {
  const rand = rng(seed);
  const eol = shape.crlf ? '\r\n' : '\n';
  const lines = ['x,label,y'];
  for (let r = 0; r < rows; r++) {
    if (rand() < 0.01) lines.push('');
    const x =
      rand() < 0.1
        ? SPELLINGS[Math.floor(rand() * SPELLINGS.length)]
        : ((rand() - 0.5) * 1000).toFixed(Math.floor(rand() * 7));
    let label = ['a', 'b', 'ccc', '', 'NA'][Math.floor(rand() * 5)];
    if (shape.quotedRows.includes(r)) label = r % 2 ? `"q,""${r}""\nnext"` : `"q${r}"`;
    const y = shape.badRows.includes(r) ? 'oops' : String(Math.floor(rand() * 50));
    lines.push(`${x},${label},${y}`);
  }
  return lines.join(eol) + eol;
}

type Row = [number | null | string, string | null, number | null | string];

function rowsOf(batches: ColumnBatch[]): Row[] {
  const out: Row[] = [];
  for (const b of batches) {
    for (let i = 0; i < b.length; i++) {
      const cell = (j: number) => {
        const c = b.columns[j];
        return c.state?.[i] === 2 ? `mismatch:${textAt(c, i)}` : valueAt(c, i);
      };
      out.push([cell(0), cell(1), cell(2)] as Row);
    }
  }
  return out;
}

async function collect(gen: AsyncIterable<ColumnBatch>): Promise<ColumnBatch[]> {
  const out: ColumnBatch[] = [];
  for await (const b of gen) out.push(b);
  return out;
}

const TYPES = { x: 'number', label: 'category', y: 'integer' } as const;

async function splittable(path: string): Promise<SplittableCsv> {
  const r = await openTable(path, { types: TYPES, batchRows: 300, readChunkBytes: 4096 });
  if (!isSplittableCsv(r)) throw new Error('the CSV reader should be splittable');
  return r;
}

/** Read `path` in two parts at the line break after `near`, as the drift engine does. */
async function readInParts(path: string, near: number) {
  const main = await splittable(path);
  const at = await findSplit(path, main.sizeBytes, near);
  if (at === null) return null;
  const done: NonNullable<CsvRange['done']> = { stopped: false, rows: 0, line: 0 };
  const first = await collect(main.rangeBatches({ stopAt: at, done }));
  let second: ColumnBatch[] = [];
  let refused = false;
  if (done.stopped) {
    const part = openCsvPart(main.partSpec());
    try {
      second = await collect(part.rangeBatches({ from: at, noQuotes: true }));
      if (part.issues().length > 0) throw new CsvPartRefused('mismatches');
    } catch {
      refused = true;
      second = await collect(main.rangeBatches({ from: at, rowStart: done.rows, line: done.line }));
    }
  }
  return { stopped: done.stopped, refused, rows: rowsOf([...first, ...second]), main };
}

async function onePass(path: string) {
  const r = await splittable(path);
  return { rows: rowsOf(await collect(r.batches())), issues: r.issues() };
}

describe('reading a CSV file in two parts', () => {
  it('gives the rows of one pass and splits plain files (LF and CRLF)', async () => {
    for (const seed of [1, 2, 3]) {
      const text = randomCsv(seed, 3000, { crlf: seed === 2, quotedRows: [], badRows: [] });
      const path = tempFile('plain.csv', text);
      const whole = await onePass(path);
      expect(whole.rows.length).toBe(3000);
      const rand = rng(seed + 100);
      for (let k = 0; k < 5; k++) {
        const got = await readInParts(path, Math.floor(text.length * (0.1 + 0.8 * rand())));
        expect(got).not.toBeNull();
        expect(got!.stopped).toBe(true);
        expect(got!.refused).toBe(false);
        expect(got!.rows).toEqual(whole.rows);
      }
    }
  });

  it('does not stop in a first part with quotes, and refuses a second part with them', async () => {
    const rows = 3000;
    for (const [quotedRows, where] of [
      [[100, 101], 'first'],
      [[2900, 2901], 'second'],
    ] as const) {
      const text = randomCsv(7, rows, { crlf: false, quotedRows: [...quotedRows], badRows: [] });
      const path = tempFile('quoted.csv', text);
      const whole = await onePass(path);
      const got = await readInParts(path, Math.floor(text.length / 2));
      expect(got!.rows).toEqual(whole.rows);
      if (where === 'first') expect(got!.stopped).toBe(false);
      else expect([got!.stopped, got!.refused]).toEqual([true, true]);
    }
  });

  it('a quoted line break across the split is never taken for a row end', async () => {
    const text = randomCsv(9, 2000, { crlf: true, quotedRows: [999, 1001], badRows: [] });
    const path = tempFile('across.csv', text);
    const whole = await onePass(path);
    // split inside the quoted field of row 1001 (odd rows hold a line break)
    const near = text.indexOf('"q,""1001""') + 3;
    const got = await readInParts(path, near);
    expect(got!.rows).toEqual(whole.rows);
    expect(got!.stopped).toBe(false);
  });

  it('refuses a second part with mismatched cells; read by the first reader, issues match one pass', async () => {
    const text = randomCsv(11, 3000, { crlf: false, quotedRows: [], badRows: [2500, 2700] });
    const path = tempFile('bad.csv', text);
    const whole = await onePass(path);
    expect(whole.issues[0].mismatches).toBe(2);
    const got = await readInParts(path, Math.floor(text.length / 2));
    expect([got!.stopped, got!.refused]).toEqual([true, true]);
    expect(got!.rows).toEqual(whole.rows);
    expect(got!.main.issues()).toEqual(whole.issues);
  });

  it('reports a syntax error in the second part with the line and row of one pass', async () => {
    const text = randomCsv(13, 3000, { crlf: false, quotedRows: [], badRows: [] });
    const lines = text.split('\n');
    lines[2800] += ',extra';
    const path = tempFile('ragged.csv', lines.join('\n'));
    const whole = await onePass(path).catch((e: Error) => e.message);
    expect(whole).toMatch(/line 2801 \(data row \d+\): expected 3 fields/);
    const parts = await readInParts(path, Math.floor(text.length / 2)).catch(
      (e: Error) => e.message,
    );
    expect(parts).toBe(whole);
  });

  it('finds no split in the last line or past the end', async () => {
    const path = tempFile('tiny.csv', 'a,b\n1,2\n3,4');
    expect(await findSplit(path, 11, 9)).toBeNull();
    expect(await findSplit(path, 11, 11)).toBeNull();
    expect(await findSplit(path, 11, 4)).toBe(8);
  });
});
