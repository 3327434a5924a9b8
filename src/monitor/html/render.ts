/**
 * The drift report as one self-contained HTML file: a verdict, an overview table
 * with thumbnails, then a card per column (drifted first) with reference vs current
 * drawn as inline SVG, every statistic, and what moved most. A few lines of inline
 * script add a "drifted only" filter; without script everything is shown.
 */
import { TEST_DIRECTION, type DriftTest } from '../stats/index.js';
import type {
  ColumnDetail,
  DriftCheckResult,
  DriftColumnReport,
  Severity,
  SideSummary,
} from '../report.js';
import { SEVERITY_PSI } from '../report.js';
import { barsSvg, CUR_COLOR, histogramSvg, REF_COLOR, sparkSvg } from './charts.js';
import { anchor, esc, int, num, pct } from './format.js';

const TEST_NAMES: Record<DriftTest, string> = {
  ks: 'Kolmogorov–Smirnov p-value',
  chisquare: 'chi-square p-value',
  z: 'two-proportion z-test p-value',
  wasserstein: 'Wasserstein distance / reference std',
  jensenshannon: 'Jensen–Shannon distance',
  psi: 'population stability index',
};

const STAT_NAMES: Record<string, string> = {
  ks_statistic: 'KS statistic',
  ks_pvalue: 'KS p-value',
  wasserstein: 'Wasserstein distance',
  wasserstein_norm: 'Wasserstein / std',
  psi: 'PSI (10 reference deciles)',
  chi2_pvalue: 'chi-square p-value',
  js_distance: 'Jensen–Shannon distance',
};

/** Which stat holds the deciding test's score, to highlight it. */
const DECIDING_STAT: Record<DriftTest, string> = {
  ks: 'ks_pvalue',
  wasserstein: 'wasserstein_norm',
  psi: 'psi',
  chisquare: 'chi2_pvalue',
  jensenshannon: 'js_distance',
  z: '',
};

export function renderDriftHtml(result: DriftCheckResult): string {
  const { report, details } = result;
  const title = `Drift: ${report.baseline.name} vs ${report.current.source}`;
  const verdict = report.dataset_drift
    ? `<div class="verdict bad">Dataset drift detected</div>`
    : `<div class="verdict good">No dataset drift</div>`;
  const share = `${report.drifted_columns} of ${report.checked_columns} checked column${report.checked_columns === 1 ? '' : 's'} drifted`;
  const kpis = [
    kpi(
      'drift share',
      pct(report.drift_share),
      `${share}; dataset drift at ≥ ${pct(report.share_threshold, 0)}`,
    ),
    kpi('reference rows', int(report.baseline.rows), report.baseline.source),
    kpi('current rows', int(report.current.rows), report.current.source),
    kpi(
      'baseline',
      esc(report.baseline.name),
      report.baseline.model
        ? `model ${report.baseline.model.name}@${report.baseline.model.version}`
        : `created ${report.baseline.created_at.slice(0, 10)}`,
    ),
  ].join('');
  const warnings =
    report.warnings.length === 0
      ? ''
      : `<details class="warnings" ${report.warnings.length <= 5 ? 'open' : ''}><summary>${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'}</summary><ul>${report.warnings
          .map((w) => `<li>${esc(w)}</li>`)
          .join('')}</ul></details>`;
  const rows = report.columns.map((c, i) => overviewRow(c, details[i], i)).join('');
  const cards = report.columns.map((c, i) => card(c, details[i], i)).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${esc(title)}</h1>
  <p class="sub">checked ${esc(report.created_at.replace('T', ' ').slice(0, 19))} UTC${report.id !== null ? ` · report #${report.id}` : ''}${report.current.source_hash ? ` · data ${esc(report.current.source_hash.slice(0, 12))}` : ''}${report.current.since ? ` · since ${esc(report.current.since)}` : ''}</p>
  ${verdict}
  <div class="kpis">${kpis}</div>
  ${warnings}
</header>
<main>
<section>
  <div class="bar">
    <h2>Columns</h2>
    <label class="filter"><input type="checkbox" id="only-drifted"> drifted only</label>
    <span class="legend"><i style="background:${REF_COLOR}"></i>reference <i style="background:${CUR_COLOR}"></i>current</span>
  </div>
  <table class="overview">
    <thead><tr><th>column</th><th>kind</th><th>test</th><th class="r">score</th><th class="r">threshold</th><th>drifted</th><th>severity</th><th class="r">PSI</th><th>distribution</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>
</section>
${cards}
</main>
<footer>${methodNote()}</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function kpi(label: string, value: string, note: string): string {
  return `<div class="kpi"><div class="k">${esc(label)}</div><div class="v">${value}</div><div class="n">${esc(note)}</div></div>`;
}

function statusCell(c: DriftColumnReport): string {
  if (c.status === 'ok') return c.drifted ? '<b class="yes">yes</b>' : '<span class="no">no</span>';
  return `<span class="muted">${esc(c.status)}</span>`;
}

function severityBadge(s: Severity | null): string {
  if (s === null) return '<span class="muted">–</span>';
  return `<span class="sev sev-${s}">${s}</span>`;
}

function overviewRow(c: DriftColumnReport, d: ColumnDetail, i: number): string {
  const cls = c.drifted ? 'drifted' : c.status === 'ok' ? '' : 'unchecked';
  return `<tr class="${cls}" data-drifted="${c.drifted}"><td><a href="#${anchor(c.column, i)}">${esc(c.column)}</a>${c.role !== 'feature' ? ` <span class="role">${c.role}</span>` : ''}</td><td>${c.kind}</td><td>${c.test}</td><td class="r">${num(c.score)}</td><td class="r">${TEST_DIRECTION[c.test] === 'pvalue' ? '&lt; ' : '≥ '}${num(c.threshold)}</td><td>${statusCell(c)}</td><td>${severityBadge(c.severity)}</td><td class="r">${num(c.stats.psi)}</td><td>${sparkSvg(d.chart)}</td></tr>`;
}

function card(c: DriftColumnReport, d: ColumnDetail, i: number): string {
  const chart =
    d.chart === null
      ? `<div class="nochart">${esc(c.message ?? 'nothing to draw')}</div>`
      : d.chart.type === 'histogram'
        ? histogramSvg(d.chart)
        : barsSvg(d.chart);
  const decision =
    c.status === 'ok'
      ? `<p class="decision ${c.drifted ? 'bad' : 'good'}">${esc(TEST_NAMES[c.test])} = <b>${num(c.score)}</b> ${comparison(c)} ${num(c.threshold)}: ${c.drifted ? 'drifted' : 'no drift'}${movedText(c, d)}</p>`
      : `<p class="decision muted">${esc(c.message ?? c.status)}</p>`;
  const stats = Object.entries(c.stats)
    .map(([k, v]) => {
      const deciding = DECIDING_STAT[c.test] === k;
      const label =
        k === 'psi' && c.kind === 'categorical' ? 'PSI (per category)' : (STAT_NAMES[k] ?? k);
      return `<tr${deciding ? ' class="deciding"' : ''}><th>${esc(label)}</th><td class="r">${num(v as number | null)}</td></tr>`;
    })
    .join('');
  const zRow =
    c.test === 'z' && c.status === 'ok'
      ? `<tr class="deciding"><th>z-test p-value</th><td class="r">${num(c.score)}</td></tr>`
      : '';
  const approx = c.approximate
    ? `<p class="note">${d.errorBound ? `Reference summarised by a KLL sketch: KS within ±${num(d.errorBound.ks_statistic)}, Wasserstein within ±${num(d.errorBound.wasserstein)}, PSI within ±${num(d.errorBound.psi)} of exact (99%).` : 'Categories beyond the kept top-K are compared as “(other)”.'}</p>`
    : '';
  const unseen =
    c.unseen && c.unseen.count > 0
      ? `<p class="unseen"><b>${c.unseen.count}</b> categor${c.unseen.count === 1 ? 'y' : 'ies'} never seen in the reference: ${c.unseen.examples
          .slice(0, 10)
          .map((u) => `<code>${esc(u)}</code>`)
          .join(' ')}${c.unseen.count > 10 ? ' …' : ''}</p>`
      : '';
  return `<section class="${c.drifted ? 'card drifted' : 'card'}" id="${anchor(c.column, i)}" data-drifted="${c.drifted}">
  <div class="card-head"><h3>${esc(c.column)}</h3><span class="tag">${c.kind}</span>${c.role !== 'feature' ? `<span class="tag">${c.role}</span>` : ''}${statusTag(c)}${severityBadge(c.severity)}</div>
  ${decision}
  <div class="card-body">
    <div class="chart-wrap">${chart}</div>
    <div class="side">
      <table class="stats"><tbody>${zRow}${stats}</tbody></table>
      ${sidesTable(c, d)}
    </div>
  </div>
  ${categoriesTable(d)}
  ${unseen}
  ${approx}
</section>`;
}

/** "<", "≥" ... as the score actually compares with the threshold. */
function comparison(c: DriftColumnReport): string {
  const pvalue = TEST_DIRECTION[c.test] === 'pvalue';
  if (pvalue) return c.drifted ? '&lt;' : '≥';
  return c.drifted ? '≥' : '&lt;';
}

/** One clause saying what moved: the mean in reference std units, or the category that moved most. */
function movedText(c: DriftColumnReport, d: ColumnDetail): string {
  if (c.kind === 'numeric') {
    const r = d.reference;
    const m0 = r?.mean;
    const m1 = d.current?.mean;
    if (m0 === undefined || m0 === null || m1 === undefined || m1 === null) return '';
    const sd = r?.std ?? 0;
    const inSd = sd > 0 ? ` (${m1 >= m0 ? '+' : ''}${num((m1 - m0) / sd)} sd)` : '';
    return ` · mean ${num(m0)} → ${num(m1)}${inSd}`;
  }
  const top = d.categories[0];
  if (!top) return '';
  return ` · most moved: <code>${esc(top.category)}</code> ${pct(top.reference)} → ${pct(top.current)}`;
}

function statusTag(c: DriftColumnReport): string {
  if (c.status === 'ok') return c.drifted ? '<span class="tag bad">drifted</span>' : '';
  return `<span class="tag muted">${esc(c.status)}</span>`;
}

function sidesTable(c: DriftColumnReport, d: ColumnDetail): string {
  const nullShare = (s: { count: number; nulls: number }): string =>
    s.count + s.nulls === 0 ? '–' : pct(s.nulls / (s.count + s.nulls));
  const rowsOf: [string, string, string][] = [
    ['values', int(c.reference.count), int(c.current.count)],
    ['nulls', nullShare(c.reference), nullShare(c.current)],
  ];
  const fields: (keyof SideSummary)[] =
    c.kind === 'numeric' ? ['mean', 'std', 'min', 'median', 'max', 'distinct'] : ['distinct'];
  for (const f of fields) {
    const r = d.reference?.[f];
    const cur = d.current?.[f];
    if ((r === undefined || r === null) && (cur === undefined || cur === null)) continue;
    rowsOf.push([f, num(r ?? null), num(cur ?? null)]);
  }
  return `<table class="sides"><thead><tr><th></th><th class="r">reference</th><th class="r">current</th></tr></thead><tbody>${rowsOf
    .map(([k, a, b]) => `<tr><th>${k}</th><td class="r">${a}</td><td class="r">${b}</td></tr>`)
    .join('')}</tbody></table>`;
}

function categoriesTable(d: ColumnDetail): string {
  if (d.categories.length === 0) return '';
  return `<details class="cats"><summary>categories that moved most</summary><table><thead><tr><th>category</th><th class="r">reference</th><th class="r">current</th><th class="r">change</th><th class="r">PSI term</th></tr></thead><tbody>${d.categories
    .map(
      (c) =>
        `<tr><td>${esc(c.category)}</td><td class="r">${pct(c.reference)}</td><td class="r">${pct(c.current)}</td><td class="r">${c.current >= c.reference ? '+' : ''}${((c.current - c.reference) * 100).toFixed(1)} pt</td><td class="r">${num(c.psi)}</td></tr>`,
    )
    .join('')}</tbody></table></details>`;
}

function methodNote(): string {
  return `<p>The deciding test follows Evidently's defaults: with at most 1,000 reference values, Kolmogorov–Smirnov (numeric, more than 5 distinct values), chi-square or a two-proportion z-test (2 values), drift at p &lt; 0.05; above that, the Wasserstein distance divided by the reference standard deviation (numeric) or the Jensen–Shannon distance, drift at ≥ 0.1. mlo.yaml (<code>drift.columns</code>) may override test and threshold. Every statistic is shown whatever decided. PSI uses 10 buckets cut at the reference deciles, a zero share counted as 0.0001. Severity of a drifted column: PSI &lt; ${SEVERITY_PSI.low} low, &lt; ${SEVERITY_PSI.medium} medium, otherwise high. Nulls, NaN and ±inf are left out of every statistic.</p><p>Generated by mlo.</p>`;
}

const SCRIPT = `document.getElementById('only-drifted').addEventListener('change',function(e){var on=e.target.checked;document.querySelectorAll('[data-drifted]').forEach(function(el){el.style.display=on&&el.dataset.drifted!=='true'?'none':''})});`;

const STYLE = `
:root{--ref:${REF_COLOR};--cur:${CUR_COLOR};--bad:#dc2626;--good:#16a34a;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header,main,footer{max-width:1120px;margin:0 auto;padding:0 24px}
header{padding-top:28px}
h1{font-size:22px;margin:0 0 4px;word-break:break-word}
h2{font-size:16px;margin:0}
h3{font-size:16px;margin:0;word-break:break-word}
.sub{color:var(--muted);margin:0 0 14px}
.verdict{display:inline-block;font-weight:600;font-size:16px;padding:6px 14px;border-radius:999px;margin-bottom:16px}
.verdict.bad{background:#fee2e2;color:var(--bad)}
.verdict.good{background:#dcfce7;color:var(--good)}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:12px;margin-bottom:16px}
.kpi{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.kpi .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.kpi .v{font-size:22px;font-weight:600;word-break:break-word}
.kpi .n{color:var(--muted);font-size:12px;word-break:break-all}
.warnings{background:#fffbeb;border:1px solid #fde68a;border-radius:10px;padding:8px 14px;margin-bottom:16px}
.warnings summary{cursor:pointer;font-weight:600;color:#92400e}
.warnings ul{margin:6px 0 0;padding-left:20px}
section{margin:18px 0}
.bar{display:flex;align-items:center;gap:18px;margin-bottom:8px;flex-wrap:wrap}
.filter{color:var(--muted);cursor:pointer}
.legend{color:var(--muted);font-size:12px;margin-left:auto}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
table{border-collapse:collapse}
.overview{width:100%;background:#fff;border:1px solid var(--line);border-radius:10px;overflow:hidden}
.overview th,.overview td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
.overview thead th{background:#f1f5f9;font-size:12px;color:var(--muted);font-weight:600}
.overview tr.drifted td:first-child{box-shadow:inset 3px 0 var(--bad)}
.overview tr.unchecked{color:var(--muted)}
.overview a{color:inherit;text-decoration:none;font-weight:600}
.overview a:hover{text-decoration:underline}
.r{text-align:right!important;font-variant-numeric:tabular-nums}
.yes{color:var(--bad)}
.no{color:var(--good)}
.muted{color:var(--muted)}
.role{font-size:11px;color:var(--muted);border:1px solid var(--line);border-radius:4px;padding:0 4px}
.sev{font-size:12px;font-weight:600;border-radius:999px;padding:1px 8px}
.sev-none{color:var(--muted);background:#f1f5f9}
.sev-low{color:#854d0e;background:#fef9c3}
.sev-medium{color:#9a3412;background:#ffedd5}
.sev-high{color:#fff;background:var(--bad)}
.spark{display:block}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:16px 18px}
.card.drifted{border-left:4px solid var(--bad)}
.card-head{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.tag{font-size:12px;border:1px solid var(--line);border-radius:6px;padding:1px 6px;color:var(--muted)}
.tag.bad{color:var(--bad);border-color:#fecaca;background:#fef2f2}
.decision{margin:8px 0 10px}
.decision.bad b{color:var(--bad)}
.decision.good b{color:var(--good)}
.card-body{display:grid;grid-template-columns:minmax(0,1fr) 300px;gap:18px;align-items:start}
@media (max-width:860px){.card-body{grid-template-columns:1fr}}
.chart{display:block;max-width:100%;height:auto}
.chart .grid{stroke:var(--line)}
.chart .axis{stroke:#94a3b8}
.chart .tick{font-size:11px;fill:var(--muted)}
.chart .label{font-size:12px;fill:var(--ink)}
.chart .note{font-size:10px;fill:#94a3b8}
.nochart{color:var(--muted);padding:40px 0;text-align:center;border:1px dashed var(--line);border-radius:8px}
.side table{width:100%;margin-bottom:10px}
.side th,.side td{padding:3px 6px;border-bottom:1px solid var(--line);text-align:left;font-weight:normal}
.side th{color:var(--muted)}
.side thead th{font-size:12px}
.stats tr.deciding th,.stats tr.deciding td{font-weight:700;color:var(--ink);background:#f1f5f9}
.cats{margin-top:8px}
.cats summary{cursor:pointer;color:var(--muted)}
.cats table{margin-top:6px}
.cats th,.cats td{padding:3px 10px;border-bottom:1px solid var(--line);text-align:left}
.unseen{margin:8px 0 0}
.unseen code{background:#f1f5f9;border-radius:4px;padding:0 4px}
.note{color:var(--muted);font-size:12px;margin:8px 0 0}
footer{color:var(--muted);font-size:12px;padding-bottom:40px}
`;
