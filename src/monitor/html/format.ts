/** Text for the HTML report: escaping and numbers a person reads at a glance. */

export { escapeHtml as esc } from '../../util/html.js';

/** 4 significant digits, exponent form for the very large and very small; "–" for none. */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(2).replace('e+', 'e');
  return String(Number(x.toPrecision(4)));
}

export function pct(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || !Number.isFinite(share)) return '–';
  return `${(share * 100).toFixed(digits)}%`;
}

export function int(x: number): string {
  return x.toLocaleString('en-US');
}

/** Tick values for an axis over [lo, hi]: about `count` round numbers inside it. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  }
  return ticks;
}

/** A DOM id for a column name (any text). */
export function anchor(name: string, index: number): string {
  return `col-${index}-${name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40)}`;
}
