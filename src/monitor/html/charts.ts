/**
 * SVG charts for the drift report: reference vs current as shares, so samples of
 * different sizes compare directly. Drawn in the browser when a column's card is
 * opened (and a thumbnail per table row), from the compact chart data the page
 * embeds.
 *
 * `driftCharts` is sent to the browser as source text (see format.ts): it must stay
 * self-contained, with no imports and no names from outside its body. Colours come
 * from the page's CSS (classes `ref` and `cur`).
 */
import type { ReportFormat } from './format.js';

/** A column's chart as the page embeds it: a histogram over bin edges, or bars per label. */
export type PageChart =
  | ['h', edges: number[], reference: number[], current: number[]]
  | ['b', labels: string[], reference: number[], current: number[]];

export function driftCharts(f: ReportFormat) {
  const W = 640;
  const H = 240;
  const M = { top: 14, right: 16, bottom: 40, left: 48 };
  /** coordinates to 0.1 px */
  const r1 = (v: number): number => Math.round(v * 10) / 10;

  function svg(height: number, body: string): string {
    return `<svg class="chart" viewBox="0 0 ${W} ${height}" width="100%" role="img" preserveAspectRatio="xMidYMid meet">${body}</svg>`;
  }

  function gridAndYAxis(yMax: number, y: (v: number) => number, plotW: number): string {
    return f
      .niceTicks(0, yMax, 4)
      .filter((t) => t <= yMax * 1.0001)
      .map(
        (t) =>
          `<line x1="${M.left}" x2="${r1(M.left + plotW)}" y1="${r1(y(t))}" y2="${r1(y(t))}" class="grid"/>` +
          `<text x="${r1(M.left - 6)}" y="${r1(y(t) + 4)}" text-anchor="end" class="tick">${f.pct(t, t < 0.1 ? 1 : 0)}</text>`,
      )
      .join('');
  }

  /** Overlaid histogram: reference filled, current as a narrower bar on top. */
  function histogram(edges: number[], reference: number[], current: number[]): string {
    const bins = reference.length;
    const plotW = W - M.left - M.right;
    const plotH = H - M.top - M.bottom;
    const yMax = Math.max(1e-9, ...reference, ...current) * 1.08;
    const y = (v: number): number => M.top + plotH - (v / yMax) * plotH;
    const bw = plotW / bins;
    const lo = edges[0];
    const hi = edges[edges.length - 1];
    const xOf = (v: number): number => M.left + ((v - lo) / (hi - lo || 1)) * plotW;
    const bars: string[] = [];
    for (let i = 0; i < bins; i++) {
      const x = M.left + i * bw;
      const range = `${f.num(edges[i])} – ${f.num(edges[i + 1])}${i === 0 ? ' (and below)' : ''}${i === bins - 1 ? ' (and above)' : ''}`;
      bars.push(
        `<g><title>${f.esc(range)}: reference ${f.pct(reference[i])}, current ${f.pct(current[i])}</title>` +
          `<rect x="${r1(x + 1)}" y="${r1(y(reference[i]))}" width="${r1(Math.max(0, bw - 2))}" height="${r1(M.top + plotH - y(reference[i]))}" class="ref" fill-opacity="0.45"/>` +
          `<rect x="${r1(x + bw * 0.2)}" y="${r1(y(current[i]))}" width="${r1(Math.max(0, bw * 0.6))}" height="${r1(M.top + plotH - y(current[i]))}" class="cur" fill-opacity="0.8"/></g>`,
      );
    }
    const xAxis = f
      .niceTicks(lo, hi, 6)
      .filter((t) => t >= lo && t <= hi)
      .map(
        (t) =>
          `<line x1="${r1(xOf(t))}" x2="${r1(xOf(t))}" y1="${r1(M.top + plotH)}" y2="${r1(M.top + plotH + 4)}" class="axis"/>` +
          `<text x="${r1(xOf(t))}" y="${r1(M.top + plotH + 17)}" text-anchor="middle" class="tick">${f.num(t)}</text>`,
      )
      .join('');
    return svg(
      H,
      gridAndYAxis(yMax, y, plotW) +
        bars.join('') +
        `<line x1="${M.left}" x2="${r1(M.left + plotW)}" y1="${r1(M.top + plotH)}" y2="${r1(M.top + plotH)}" class="axis"/>` +
        xAxis +
        `<text x="${r1(M.left + plotW)}" y="${r1(H - 4)}" text-anchor="end" class="note">outer bins include the tails</text>`,
    );
  }

  /** Horizontal paired bars per category (or per value of a discrete numeric column). */
  function bars(labels: string[], reference: number[], current: number[]): string {
    const row = 26;
    const labelW = Math.min(
      200,
      12 + Math.max(4, ...labels.map((l) => Math.min(28, l.length))) * 7,
    );
    const height = M.top + labels.length * row + 26;
    const plotW = W - labelW - 110;
    const xMax = Math.max(1e-9, ...reference, ...current) * 1.05;
    const x = (v: number): number => (v / xMax) * plotW;
    const rows = labels.map((label, i) => {
      const top = M.top + i * row;
      const shown = label.length > 28 ? `${label.slice(0, 27)}…` : label;
      return (
        `<g><title>${f.esc(label)}: reference ${f.pct(reference[i])}, current ${f.pct(current[i])}</title>` +
        `<text x="${r1(labelW - 8)}" y="${r1(top + 15)}" text-anchor="end" class="label">${f.esc(shown)}</text>` +
        `<rect x="${r1(labelW)}" y="${r1(top + 3)}" width="${r1(x(reference[i]))}" height="9" class="ref" fill-opacity="0.7"/>` +
        `<rect x="${r1(labelW)}" y="${r1(top + 13)}" width="${r1(x(current[i]))}" height="9" class="cur"/>` +
        `<text x="${r1(labelW + Math.max(x(reference[i]), x(current[i])) + 6)}" y="${r1(top + 16)}" class="tick">${f.pct(reference[i])} → ${f.pct(current[i])}</text></g>`
      );
    });
    const grid = f
      .niceTicks(0, xMax, 4)
      .filter((t) => t <= xMax)
      .map(
        (t) =>
          `<line x1="${r1(labelW + x(t))}" x2="${r1(labelW + x(t))}" y1="${M.top}" y2="${r1(height - 22)}" class="grid"/>` +
          `<text x="${r1(labelW + x(t))}" y="${r1(height - 8)}" text-anchor="middle" class="tick">${f.pct(t, 0)}</text>`,
      )
      .join('');
    return svg(height, grid + rows.join(''));
  }

  function chart(c: PageChart): string {
    return c[0] === 'h' ? histogram(c[1], c[2], c[3]) : bars(c[1], c[2], c[3]);
  }

  /** A 96×28 thumbnail for a table row. */
  function spark(c: PageChart | undefined): string {
    if (!c) return '';
    const w = 96;
    const h = 28;
    const ref = c[2];
    const cur = c[3];
    const n = ref.length;
    const max = Math.max(1e-9, ...ref, ...cur);
    const open = `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" aria-hidden="true">`;
    if (c[0] === 'h') {
      const pts = (vals: number[]): string =>
        vals
          .map((v, i) => `${r1(((i + 0.5) / n) * w)},${r1(h - 2 - (v / max) * (h - 4))}`)
          .join(' ');
      return `${open}<polyline points="${pts(ref)}" class="lref"/><polyline points="${pts(cur)}" class="lcur"/></svg>`;
    }
    const bw = w / n;
    let body = '';
    for (let i = 0; i < n; i++) {
      const rh = (ref[i] / max) * (h - 2);
      const ch = (cur[i] / max) * (h - 2);
      body +=
        `<rect x="${r1(i * bw)}" y="${r1(h - rh)}" width="${r1(bw / 2)}" height="${r1(rh)}" class="ref"/>` +
        `<rect x="${r1(i * bw + bw / 2)}" y="${r1(h - ch)}" width="${r1(bw / 2)}" height="${r1(ch)}" class="cur"/>`;
    }
    return `${open}${body}</svg>`;
  }

  return { chart, spark };
}

export type DriftCharts = ReturnType<typeof driftCharts>;
