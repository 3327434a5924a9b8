/**
 * The drift report as one self-contained HTML file (inline CSS and script, nothing
 * from the network): a verdict and key figures, then a table of every column with
 * search, sort and a "drifted only" filter, where each column opens a card with
 * reference vs current drawn as SVG, every statistic, and what moved most.
 *
 * The columns travel as compact JSON (page-data.ts) and the page's script
 * (page.ts) builds the rows, and a card only when it is opened: a report over
 * 3,000 columns is a few MB and opens in well under two seconds, where drawing
 * every card up front made it 26 MB and 14 s.
 */
import type { DriftCheckResult } from '../report.js';
import { SEVERITY_PSI } from '../report.js';
import { driftCharts } from './charts.js';
import { esc, int, pct, reportFormat } from './format.js';
import { driftReportPage, OPEN_DRIFTED_MAX, PAGE_ROWS } from './page.js';
import { embedJson, pageData } from './page-data.js';

const REF_COLOR = '#64748b';
const CUR_COLOR = '#f97316';

export function renderDriftHtml(result: DriftCheckResult): string {
  const { report } = result;
  const title = `Drift: ${report.baseline.name} vs ${report.current.source}`;
  const verdict = report.dataset_drift
    ? `<div class="verdict bad">Dataset drift detected</div>`
    : `<div class="verdict good">No dataset drift</div>`;
  const share = `${report.drifted_columns} of ${report.checked_columns} checked column${report.checked_columns === 1 ? '' : 's'} drifted`;
  const leftOut = report.left_out ?? [];
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
  const leftOutNote =
    leftOut.length === 0
      ? ''
      : `<p class="leftout">${leftOut.length} column${leftOut.length === 1 ? ' was' : 's were'} left out when the baseline was created and ${leftOut.length === 1 ? 'is' : 'are'} not checked (${esc(
          leftOutKinds(leftOut.map((l) => l.reason)),
        )}): they are in the table, marked <i>left out</i>, with the reason.</p>`;
  const heads = [
    ['name', 'column', ''],
    ['kind', 'kind', ''],
    ['test', 'test', ''],
    ['score', 'score', 'r'],
    ['threshold', 'threshold', 'r'],
    ['drifted', 'drifted', ''],
    ['severity', 'severity', ''],
    ['psi', 'PSI', 'r'],
  ]
    .map(
      ([key, label, cls]) =>
        `<th data-sort="${key}"${cls ? ` class="${cls}"` : ''}><button type="button">${label}</button></th>`,
    )
    .join('');
  const script = `(${driftReportPage.toString()})(${reportFormat.toString()}, ${driftCharts.toString()}, ${OPEN_DRIFTED_MAX}, ${PAGE_ROWS});`;
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
    <input type="search" id="search" placeholder="search columns" aria-label="search columns" autocomplete="off">
    <label class="filter"><input type="checkbox" id="only-drifted"> drifted only</label>
    <span id="shown" class="muted"></span>
    <span class="legend"><i class="ref"></i>reference <i class="cur"></i>current</span>
  </div>
  ${leftOutNote}
  <p class="hint muted">Open a column for its chart and every statistic; click a heading to sort.</p>
  <table class="overview">
    <colgroup><col class="w-name"><col class="w-kind"><col class="w-test"><col class="w-num"><col class="w-num"><col class="w-flag"><col class="w-sev"><col class="w-num"><col class="w-thumb"></colgroup>
    <thead><tr id="heads">${heads}<th>distribution</th></tr></thead>
    <tbody id="rows"></tbody>
  </table>
  <noscript><p class="noscript">The column table is drawn by the page's script, which is turned off here. <code>mlo drift check --json</code> prints the same results.</p></noscript>
</section>
</main>
<footer>${methodNote()}</footer>
<script type="application/json" id="drift-data">${embedJson(pageData(result))}</script>
<script>${script}</script>
</body>
</html>
`;
}

function kpi(label: string, value: string, note: string): string {
  return `<div class="kpi"><div class="k">${esc(label)}</div><div class="v">${value}</div><div class="n">${esc(note)}</div></div>`;
}

/** "datetime, id-like text": what kinds of columns were left out, from their reasons. */
function leftOutKinds(reasons: string[]): string {
  const kinds = new Set(
    reasons.map((r) =>
      r.startsWith('datetime')
        ? 'datetime'
        : r.startsWith('text with')
          ? 'id-like text'
          : r.startsWith('skipped in')
            ? 'skipped in mlo.yaml'
            : 'other',
    ),
  );
  return [...kinds].join(', ');
}

function methodNote(): string {
  return `<p>The deciding test follows Evidently's defaults: with at most 1,000 reference values, Kolmogorov–Smirnov (numeric, more than 5 distinct values), chi-square or a two-proportion z-test (2 values), drift at p &lt; 0.05; above that, the Wasserstein distance divided by the reference standard deviation (numeric) or the Jensen–Shannon distance, drift at ≥ 0.1. mlo.yaml (<code>drift.test</code>, <code>drift.columns</code>) may override test and threshold. Every statistic is shown whatever decided. PSI uses 10 buckets cut at the reference deciles, a zero share counted as 0.0001. Severity of a drifted column: PSI &lt; ${SEVERITY_PSI.low} low, &lt; ${SEVERITY_PSI.medium} medium, otherwise high. Nulls, NaN and ±inf are left out of every statistic. Datetime columns are left out unless named (<code>--kind COLUMN=numeric</code>): time always moves.</p><p>Generated by mlo.</p>`;
}

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
.warnings ul{margin:6px 0 0;padding-left:20px;max-height:320px;overflow:auto}
section{margin:18px 0}
.bar{display:flex;align-items:center;gap:14px;margin-bottom:8px;flex-wrap:wrap}
#search{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px;min-width:220px}
.filter{color:var(--muted);cursor:pointer}
.legend{color:var(--muted);font-size:12px;margin-left:auto}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
.legend i.ref{background:var(--ref)}.legend i.cur{background:var(--cur)}
.leftout{background:#f1f5f9;border-radius:8px;padding:6px 12px;margin:6px 0}
.hint{font-size:12px;margin:0 0 6px}
.noscript{background:#fffbeb;border:1px solid #fde68a;border-radius:8px;padding:8px 12px}
table{border-collapse:collapse}
/* fixed layout: the browser need not measure every cell of thousands of rows */
.overview{width:100%;background:#fff;border:1px solid var(--line);table-layout:fixed}
.w-kind{width:110px}.w-test{width:128px}.w-num{width:94px}.w-flag{width:76px}.w-sev{width:92px}.w-thumb{width:118px}
.overview th,.overview td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.overview thead th{background:#f1f5f9;font-size:12px;color:var(--muted);font-weight:600;position:sticky;top:0;z-index:1}
.overview thead button{all:unset;cursor:pointer}
.overview thead button:focus-visible{outline:2px solid var(--cur)}
.overview th[aria-sort=ascending] button::after{content:" \\25B2";font-size:9px}
.overview th[aria-sort=descending] button::after{content:" \\25BC";font-size:9px}
.overview tr.drifted td:first-child{box-shadow:inset 3px 0 var(--bad)}
.overview tr.unchecked{color:var(--muted)}
.overview button.col{all:unset;cursor:pointer;font-weight:600;white-space:normal;word-break:break-word}
.overview button.col::before{content:"\\25B8";display:inline-block;width:1em;color:var(--muted)}
.overview button.col[aria-expanded=true]::before{content:"\\25BE"}
.overview button.col:hover{text-decoration:underline}
.overview button.col:focus-visible{outline:2px solid var(--cur)}
.overview tr.more>td{white-space:normal}
.overview tr.more button{font:inherit;padding:2px 10px;margin-right:6px;cursor:pointer}
.overview tr.detail>td{white-space:normal;background:var(--bg);padding:10px}
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
/* a thumbnail's slot is the size of the thumbnail: drawing it moves nothing */
.spark,.slot{display:block;width:96px;height:28px}
.spark .ref,.chart .ref{fill:var(--ref)}
.spark .cur,.chart .cur{fill:var(--cur)}
.spark polyline{fill:none;stroke-width:1.5}
.spark .lref{stroke:var(--ref)}.spark .lcur{stroke:var(--cur)}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:16px 18px;margin:0}
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
