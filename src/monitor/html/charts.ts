/**
 * Inline SVG charts for the drift report: reference vs current as shares, so samples
 * of different sizes compare directly. No script, no fonts, no network.
 */
import type { DriftChart } from '../profile/index.js';
import { esc, niceTicks, num, pct } from './format.js';

export const REF_COLOR = '#64748b';
export const CUR_COLOR = '#f97316';

const W = 640;
const H = 240;
const M = { top: 14, right: 16, bottom: 40, left: 48 };

/** Coordinates to 0.1 px: keeps the file small. */
const f = (v: number): number => Math.round(v * 10) / 10;

function yTicks(max: number): number[] {
  return niceTicks(0, max, 4).filter((t) => t <= max * 1.0001);
}

function gridAndYAxis(yMax: number, y: (v: number) => number, plotW: number): string {
  return yTicks(yMax)
    .map(
      (t) =>
        `<line x1="${M.left}" x2="${f(M.left + plotW)}" y1="${f(y(t))}" y2="${f(y(t))}" class="grid"/>` +
        `<text x="${f(M.left - 6)}" y="${f(y(t) + 4)}" text-anchor="end" class="tick">${pct(t, t < 0.1 ? 1 : 0)}</text>`,
    )
    .join('');
}

/** Overlaid histogram: reference filled, current as a translucent bar on top. */
export function histogramSvg(chart: Extract<DriftChart, { type: 'histogram' }>): string {
  const { edges, reference, current } = chart;
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
    const range = `${num(edges[i])} – ${num(edges[i + 1])}${i === 0 ? ' (and below)' : ''}${i === bins - 1 ? ' (and above)' : ''}`;
    const tip = `<title>${esc(range)}: reference ${pct(reference[i])}, current ${pct(current[i])}</title>`;
    bars.push(
      `<g>${tip}<rect x="${f(x + 1)}" y="${f(y(reference[i]))}" width="${f(Math.max(0, bw - 2))}" height="${f(M.top + plotH - y(reference[i]))}" fill="${REF_COLOR}" fill-opacity="0.45"/>` +
        `<rect x="${f(x + bw * 0.2)}" y="${f(y(current[i]))}" width="${f(Math.max(0, bw * 0.6))}" height="${f(M.top + plotH - y(current[i]))}" fill="${CUR_COLOR}" fill-opacity="0.8"/></g>`,
    );
  }
  const xt = niceTicks(lo, hi, 6).filter((t) => t >= lo && t <= hi);
  const xAxis = xt
    .map(
      (t) =>
        `<line x1="${f(xOf(t))}" x2="${f(xOf(t))}" y1="${f(M.top + plotH)}" y2="${f(M.top + plotH + 4)}" class="axis"/>` +
        `<text x="${f(xOf(t))}" y="${f(M.top + plotH + 17)}" text-anchor="middle" class="tick">${num(t)}</text>`,
    )
    .join('');
  return svg(
    H,
    gridAndYAxis(yMax, y, plotW) +
      bars.join('') +
      `<line x1="${M.left}" x2="${f(M.left + plotW)}" y1="${f(M.top + plotH)}" y2="${f(M.top + plotH)}" class="axis"/>` +
      xAxis +
      `<text x="${f(M.left + plotW)}" y="${f(H - 4)}" text-anchor="end" class="note">outer bins include the tails</text>`,
  );
}

/** Horizontal paired bars per category (or per value of a discrete numeric column). */
export function barsSvg(chart: Extract<DriftChart, { type: 'bars' }>): string {
  const { labels, reference, current } = chart;
  const row = 26;
  const labelW = Math.min(200, 12 + Math.max(4, ...labels.map((l) => Math.min(28, l.length))) * 7);
  const height = M.top + labels.length * row + 26;
  const plotW = W - labelW - 110;
  const xMax = Math.max(1e-9, ...reference, ...current) * 1.05;
  const x = (v: number): number => (v / xMax) * plotW;
  const rows = labels.map((label, i) => {
    const top = M.top + i * row;
    const shown = label.length > 28 ? `${label.slice(0, 27)}…` : label;
    return (
      `<g><title>${esc(label)}: reference ${pct(reference[i])}, current ${pct(current[i])}</title>` +
      `<text x="${f(labelW - 8)}" y="${f(top + 15)}" text-anchor="end" class="label">${esc(shown)}</text>` +
      `<rect x="${f(labelW)}" y="${f(top + 3)}" width="${f(x(reference[i]))}" height="9" fill="${REF_COLOR}" fill-opacity="0.7"/>` +
      `<rect x="${f(labelW)}" y="${f(top + 13)}" width="${f(x(current[i]))}" height="9" fill="${CUR_COLOR}"/>` +
      `<text x="${f(labelW + Math.max(x(reference[i]), x(current[i])) + 6)}" y="${f(top + 16)}" class="tick">${pct(reference[i])} → ${pct(current[i])}</text></g>`
    );
  });
  const gridTicks = niceTicks(0, xMax, 4).filter((t) => t <= xMax);
  const grid = gridTicks
    .map(
      (t) =>
        `<line x1="${f(labelW + x(t))}" x2="${f(labelW + x(t))}" y1="${M.top}" y2="${f(height - 22)}" class="grid"/>` +
        `<text x="${f(labelW + x(t))}" y="${f(height - 8)}" text-anchor="middle" class="tick">${pct(t, 0)}</text>`,
    )
    .join('');
  return svg(height, grid + rows.join(''));
}

/** A 96×28 thumbnail for the overview table. */
export function sparkSvg(chart: DriftChart | null): string {
  const w = 96;
  const h = 28;
  if (chart === null) return '';
  const n = chart.reference.length;
  const max = Math.max(1e-9, ...chart.reference, ...chart.current);
  const pts = (vals: number[]): string =>
    vals
      .map((v, i) => `${((i + 0.5) / n) * w},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`)
      .join(' ');
  if (chart.type === 'histogram') {
    return (
      `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" aria-hidden="true">` +
      `<polyline points="${pts(chart.reference)}" fill="none" stroke="${REF_COLOR}" stroke-width="1.5"/>` +
      `<polyline points="${pts(chart.current)}" fill="none" stroke="${CUR_COLOR}" stroke-width="1.5"/></svg>`
    );
  }
  const bw = w / n;
  const bars = chart.reference
    .map((r, i) => {
      const c = chart.current[i];
      const rh = (r / max) * (h - 2);
      const ch = (c / max) * (h - 2);
      return (
        `<rect x="${f(i * bw)}" y="${f(h - rh)}" width="${f(bw / 2)}" height="${f(rh)}" fill="${REF_COLOR}"/>` +
        `<rect x="${f(i * bw + bw / 2)}" y="${f(h - ch)}" width="${f(bw / 2)}" height="${f(ch)}" fill="${CUR_COLOR}"/>`
      );
    })
    .join('');
  return `<svg class="spark" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" aria-hidden="true">${bars}</svg>`;
}

function svg(height: number, body: string): string {
  return `<svg class="chart" viewBox="0 0 ${W} ${height}" width="100%" role="img" preserveAspectRatio="xMidYMid meet">${body}</svg>`;
}
