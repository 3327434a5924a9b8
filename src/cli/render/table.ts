/** Plain aligned text tables that stay aligned with colour codes inside cells. */
import { stripVTControlCharacters } from 'node:util';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Every escape sequence starts with ESC or CSI; most cells have neither and skip the regex. */
const width = (s: string): number =>
  s.includes('\u001b') || s.includes('\u009b') ? stripVTControlCharacters(s).length : s.length;

const SPACES = ' '.repeat(64);
const spaces = (n: number): string =>
  n <= 0 ? '' : n <= SPACES.length ? SPACES.slice(0, n) : ' '.repeat(n);

export function renderTable(
  columns: (string | Column)[],
  rows: string[][],
  options: { indent?: string } = {},
): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const n = cols.length;
  const headers = cols.map((c) => c.header);
  const widths = headers.map(width);
  // Each cell is measured once, row after row: thousands of rows make this the
  // table's main cost, so no per-row copies or closures.
  const cellWidths = new Array<number>(rows.length * n);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let i = 0; i < n; i++) {
      const w = width(row[i] ?? '');
      cellWidths[r * n + i] = w;
      if (w > widths[i]) widths[i] = w;
    }
  }
  const right = cols.map((c) => c.align === 'right');
  const indent = options.indent ?? '';
  const line = (cells: readonly string[], at: (i: number) => number): string => {
    let text = '';
    for (let i = 0; i < n; i++) {
      const cell = cells[i] ?? '';
      const gap = spaces(widths[i] - at(i));
      text += (i ? '  ' : '') + (right[i] ? gap + cell : cell + gap);
    }
    return indent + text.trimEnd();
  };
  const out = [line(headers, (i) => width(headers[i]))];
  for (let r = 0; r < rows.length; r++) out.push(line(rows[r], (i) => cellWidths[r * n + i]));
  return out.join('\n');
}
