/** Plain aligned text tables that stay aligned with colour codes inside cells. */
import { stripVTControlCharacters } from 'node:util';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Every escape sequence starts with ESC or CSI; most cells have neither and skip the regex. */
const width = (s: string): number =>
  s.includes('\u001b') || s.includes('\u009b') ? stripVTControlCharacters(s).length : s.length;

export function renderTable(
  columns: (string | Column)[],
  rows: string[][],
  options: { indent?: string } = {},
): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const lines = [cols.map((c) => c.header), ...rows.map((r) => cols.map((_, i) => r[i] ?? ''))];
  // each cell measured once: thousands of rows make this the table's main cost
  const cellWidths = lines.map((cells) => cells.map(width));
  const widths = cols.map((_, i) => {
    let w = 0;
    for (const cw of cellWidths) if (cw[i] > w) w = cw[i];
    return w;
  });
  const right = cols.map((c) => c.align === 'right');
  const indent = options.indent ?? '';
  let out = '';
  for (let l = 0; l < lines.length; l++) {
    const cells = lines[l];
    const cw = cellWidths[l];
    let line = '';
    for (let i = 0; i < cells.length; i++) {
      const gap = ' '.repeat(Math.max(0, widths[i] - cw[i]));
      line += (i ? '  ' : '') + (right[i] ? gap + cells[i] : cells[i] + gap);
    }
    out += (l ? '\n' : '') + indent + line.trimEnd();
  }
  return out;
}
