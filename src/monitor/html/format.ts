/**
 * Text for the HTML report: numbers a person reads at a glance, and escaping.
 *
 * `reportFormat` runs in two places: here in Node for the page around the table, and
 * in the browser, where the page's script receives this function's source text. So
 * it must stay self-contained: no imports and no names from outside its body.
 */
export function reportFormat() {
  const ESCAPES: Record<string, string> = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#39;',
  };
  /** Text for HTML text and quoted attributes (the browser's copy of util/html's escape). */
  function esc(text: string): string {
    return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
  }
  /** 4 significant digits, exponent form for the very large and very small; "–" for none. */
  function num(x: number | null | undefined): string {
    if (x === null || x === undefined || !Number.isFinite(x)) return '–';
    if (x === 0) return '0';
    const a = Math.abs(x);
    if (a >= 1e6 || a < 1e-3) return x.toExponential(2).replace('e+', 'e');
    return String(Number(x.toPrecision(4)));
  }
  function pct(share: number | null | undefined, digits = 1): string {
    if (share === null || share === undefined || !Number.isFinite(share)) return '–';
    return `${(share * 100).toFixed(digits)}%`;
  }
  function int(x: number): string {
    return x.toLocaleString('en-US');
  }
  /** Tick values for an axis over [lo, hi]: about `count` round numbers inside it. */
  function niceTicks(lo: number, hi: number, count: number): number[] {
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
  return { esc, num, pct, int, niceTicks };
}

export type ReportFormat = ReturnType<typeof reportFormat>;

export const { num, pct, int, niceTicks } = reportFormat();
export { escapeHtml as esc } from '../../util/html.js';
