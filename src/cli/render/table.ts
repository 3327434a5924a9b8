/** Plain aligned text tables that stay aligned with colour codes inside cells. */
import { stripVTControlCharacters } from 'node:util';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

const width = (s: string): number => stripVTControlCharacters(s).length;

export function renderTable(
  columns: (string | Column)[],
  rows: string[][],
  options: { indent?: string } = {},
): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const widths = cols.map((c, i) =>
    Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ''))),
  );
  const pad = (s: string, i: number): string => {
    const gap = ' '.repeat(Math.max(0, widths[i] - width(s)));
    return cols[i].align === 'right' ? gap + s : s + gap;
  };
  const line = (cells: string[]): string =>
    (options.indent ?? '') +
    cells
      .map((c, i) => pad(c, i))
      .join('  ')
      .trimEnd();
  return [
    line(cols.map((c) => c.header)),
    ...rows.map((r) => line(cols.map((_, i) => r[i] ?? ''))),
  ].join('\n');
}
