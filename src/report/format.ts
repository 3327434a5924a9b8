/** Numbers and phrases both renderers share, so markdown and HTML say the same thing. */
import type { Base } from './base.js';
import type { ReportData } from './types.js';

/** 5 significant digits (what a reviewer compares by eye); exponent form at the extremes. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '—';
  if (v === null) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
    const a = Math.abs(v);
    if (a >= 1e9 || a < 1e-4) return v.toExponential(3).replace('e+', 'e');
    return String(Number(v.toPrecision(5)));
  }
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function formatPercent(share: number, digits = 1): string {
  return `${(share * 100).toFixed(digits)}%`;
}

/** "▲ +0.031 (+3.8%)", "▼ -2 (-50.0%)", "0"; empty when there is nothing to compare. */
export function formatChange(change: number | null, relative: number | null): string {
  if (change === null) return '';
  if (change === 0) return '0';
  const sign = change > 0 ? '+' : '-';
  const arrow = change > 0 ? '▲' : '▼';
  let text = `${arrow} ${sign}${formatValue(Math.abs(change))}`;
  if (relative !== null) {
    const pct = Math.abs(relative) * 100;
    text += ` (${sign}${pct < 0.05 ? '<0.1' : pct.toFixed(1)}%)`;
  }
  return text;
}

/** The base as a column header: the short commit, or "base". */
export function baseLabel(base: Base): string {
  return base.available ? base.short : 'base';
}

/** " since abc1234" for "nothing since" lines; empty when there is no base to be since. */
export function sinceText(base: Base): string {
  return base.available ? ` since ${base.short}` : '';
}

export function noParams(base: Base): string {
  return `No params in the workspace or at ${baseLabel(base)}.`;
}

/** One sentence saying what the report compares with. */
export function baseSentence(base: Base): string {
  if (!base.available)
    return `No base revision (${base.reason}): showing the latest stored results.`;
  const how =
    base.how === 'since' ? `--since ${base.rev}` : base.how === 'head' ? 'HEAD' : base.rev;
  return `Compared with ${base.short} (${how}${base.subject ? `: "${base.subject}"` : ''}, ${base.time.slice(0, 19).replace('T', ' ')} UTC).`;
}

/** The section headings, in order, for both renderers. */
export const TITLES = {
  report: 'mlo report',
  metrics: 'Metrics',
  params: 'Params',
  run: 'Run',
  validations: 'Data validation',
  promotions: 'Promotion gates',
  drift: 'Drift',
  delivery: 'Delivery (last 90 days)',
} as const;

/** the window of the report's delivery figures */
export const DELIVERY_WINDOW = '90d';

/** One-line verdicts at the top: what a reviewer scans first. */
export function headline(data: ReportData): string[] {
  const lines: string[] = [];
  const failing = data.validations.filter((v) => !v.success).length;
  if (data.validations.length > 0) {
    lines.push(
      failing === 0
        ? `${data.validations.length} validation${plural(data.validations.length)} passed`
        : `${failing} of ${data.validations.length} validation${plural(data.validations.length)} failed`,
    );
  }
  const rejected = data.promotions.filter((p) => !p.promoted).length;
  if (data.promotions.length > 0) {
    lines.push(
      rejected === 0
        ? `${data.promotions.length} promotion${plural(data.promotions.length)} passed their gates`
        : `${rejected} of ${data.promotions.length} promotion${plural(data.promotions.length)} rejected`,
    );
  }
  const drifted = data.drift.filter((d) => d.dataset_drift).length;
  if (data.drift.length > 0) {
    lines.push(
      drifted === 0
        ? `no dataset drift in ${data.drift.length} check${plural(data.drift.length)}`
        : `dataset drift in ${drifted} of ${data.drift.length} check${plural(data.drift.length)}`,
    );
  }
  return lines;
}

export const plural = (n: number, word = ''): string => `${word}${n === 1 ? '' : 's'}`;

export { escapeHtml } from '../util/html.js';
