/**
 * The report as GitHub-flavoured markdown for a pull-request comment: tables, ✅/❌,
 * and long lists folded into <details> so the comment stays short.
 */
import { maturityRows } from '../monitor/maturity/index.js';
import type { Base } from './base.js';
import {
  baseLabel,
  baseSentence,
  escapeHtml,
  formatChange,
  formatPercent,
  formatValue,
  headline,
  noParams,
  plural,
  sinceText,
  TITLES,
} from './format.js';
import type {
  DriftEntry,
  MetricChange,
  MetricsSection,
  ParamsSection,
  PromotionEntry,
  ReportData,
  RunSection,
  Unavailable,
  ValidationEntry,
} from './types.js';

/** Lists longer than this are folded (closed) in a <details>. */
const FOLD_AFTER = 5;
/** Drifted columns named in the table cell before "and N more". */
const COLUMNS_IN_CELL = 8;

const OK = '✅';
const FAIL = '❌';
const WARN = '⚠️';

/** Text safe inside a table cell: no pipes breaking columns, no line breaks. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Inline code that survives backticks in the text. */
function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text.replace(/\r?\n/g, ' ')}${fence}`;
}

/** Inline code inside HTML (a <summary>), where markdown is not rendered. */
function tag(text: string): string {
  return `<code>${escapeHtml(text)}</code>`;
}

function table(headers: string[], align: ('l' | 'r' | 'c')[], rows: string[][]): string[] {
  const rule = align.map((a) => (a === 'r' ? '---:' : a === 'c' ? ':---:' : '---'));
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `| ${rule.join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** A folded block; GitHub needs the blank line after <summary> to render markdown inside. */
function details(summary: string, body: string[], open = false): string[] {
  return [
    `<details${open ? ' open' : ''}><summary>${summary}</summary>`,
    '',
    ...body,
    '',
    '</details>',
  ];
}

export function renderReportMarkdown(data: ReportData): string {
  const out: string[] = [`## ${TITLES.report}`, '', baseSentence(data.base)];
  const verdicts = headline(data);
  if (verdicts.length > 0) out.push('', `**${verdicts.join(' · ')}**`);
  out.push('', ...metricsSection(data.metrics, data.base));
  out.push('', ...paramsSection(data.params, data.base));
  if (data.run !== null) out.push('', ...runSection(data.run));
  out.push('', ...validationSection(data.validations, data.base));
  out.push('', ...promotionSection(data.promotions, data.base));
  out.push('', ...driftSection(data.drift, data.base));
  if (data.delivery) {
    out.push('', `### ${TITLES.delivery}`, '');
    out.push(...table(['Figure', 'Value', 'n'], ['l', 'l', 'r'], maturityRows(data.delivery)));
  }
  out.push('', `<sub>mlo report · ${data.generated_at.slice(0, 19).replace('T', ' ')} UTC</sub>`);
  return `${out.join('\n')}\n`;
}

function metricRow(m: MetricChange): string[] {
  return [
    code(m.path),
    code(m.key),
    m.state === 'added' ? '—' : formatValue(m.old),
    m.state === 'removed' ? '—' : formatValue(m.new),
    m.state === 'added'
      ? 'new'
      : m.state === 'removed'
        ? 'removed'
        : formatChange(m.change, m.relative),
  ];
}

function metricsSection(s: MetricsSection | Unavailable, base: Base): string[] {
  const out = [`### ${TITLES.metrics}`, ''];
  if (!s.available) return [...out, `No metrics diff: ${s.reason}.`];
  if (s.entries.length === 0)
    return [...out, `No metrics in ${s.files.join(', ') || 'the metric files'}.`];
  const headers = ['File', 'Metric', baseLabel(base), 'workspace', 'Change'];
  const align: ('l' | 'r')[] = ['l', 'l', 'r', 'r', 'r'];
  const changed = s.entries.filter((e) => e.state !== 'unchanged');
  const same = s.entries.filter((e) => e.state === 'unchanged');
  if (changed.length === 0) out.push(`No metric changes against ${baseLabel(base)}.`);
  else out.push(...table(headers, align, changed.map(metricRow)));
  if (same.length > 0) {
    out.push(
      '',
      ...details(
        `${same.length} unchanged metric${plural(same.length)}`,
        table(headers, align, same.map(metricRow)),
        changed.length === 0 && same.length <= FOLD_AFTER,
      ),
    );
  }
  return out;
}

function paramsSection(s: ParamsSection | Unavailable, base: Base): string[] {
  const out = [`### ${TITLES.params}`, ''];
  if (!s.available) return [...out, `No params diff: ${s.reason}.`];
  if (s.changed.length === 0 && s.unchanged === 0) return [...out, noParams(base)];
  if (s.changed.length === 0) {
    return [...out, `No param changes against ${baseLabel(base)} (${s.unchanged} unchanged).`];
  }
  const rows = s.changed.map((p) => [
    code(p.path),
    code(p.key),
    p.state === 'added' ? '—' : code(formatValue(p.old)),
    p.state === 'removed' ? '—' : code(formatValue(p.new)),
  ]);
  out.push(...table(['File', 'Param', baseLabel(base), 'workspace'], ['l', 'l', 'l', 'l'], rows));
  out.push('', `${s.unchanged} unchanged param${plural(s.unchanged)}.`);
  return out;
}

function runSection(s: RunSection): string[] {
  const r = s.run;
  const out = [
    `### ${TITLES.run} ${cell(r.name)} (${code(r.id.slice(0, 8))})`,
    '',
    `Experiment ${code(r.experiment)}${r.stage === null ? '' : `, stage ${code(r.stage)}`}, ${r.status}${r.commit === null ? '' : ` at ${r.commit.slice(0, 7)}`}.`,
    '',
  ];
  if (s.base === null) out.push(`No run to compare with: ${s.baseReason ?? 'none found'}.`);
  else
    out.push(
      `Compared with ${cell(s.base.name)} (${code(s.base.id.slice(0, 8))}), ${s.base.status} at ${s.base.commit?.slice(0, 7) ?? '?'}.`,
    );
  out.push('');
  const hasBase = s.base !== null;
  if (s.metrics.length === 0) out.push('No metrics logged.');
  else {
    out.push(
      ...table(
        hasBase ? ['Metric', 'base run', 'this run', 'Change'] : ['Metric', 'this run'],
        hasBase ? ['l', 'r', 'r', 'r'] : ['l', 'r'],
        s.metrics.map((m) =>
          hasBase
            ? [
                code(m.key),
                formatValue(m.base),
                formatValue(m.run),
                formatChange(m.change, m.relative),
              ]
            : [code(m.key), formatValue(m.run)],
        ),
      ),
    );
  }
  const shown = hasBase ? s.params.filter((p) => p.differs) : s.params;
  const same = s.params.length - shown.length;
  if (shown.length > 0) {
    const rows = shown.map((p) =>
      hasBase
        ? [code(p.key), code(formatValue(p.base)), code(formatValue(p.run))]
        : [code(p.key), code(formatValue(p.run))],
    );
    const t = table(
      hasBase ? ['Param', 'base run', 'this run'] : ['Param', 'this run'],
      hasBase ? ['l', 'l', 'l'] : ['l', 'l'],
      rows,
    );
    out.push(
      '',
      ...(rows.length > FOLD_AFTER && !hasBase ? details(`${rows.length} params`, t) : t),
    );
  }
  if (hasBase) out.push('', `${same} param${plural(same)} the same as the base run.`);
  return out;
}

function validationSection(list: ValidationEntry[], base: Base): string[] {
  const out = [`### ${TITLES.validations}`, ''];
  if (list.length === 0) return [...out, `No validation results${sinceText(base)}.`];
  out.push(
    ...table(
      ['', 'Suite', 'Data', 'Rows', 'Passed', 'Failed', 'Validated'],
      ['c', 'l', 'l', 'r', 'r', 'r', 'l'],
      list.map((v) => [
        v.success ? (v.warnings > 0 ? WARN : OK) : FAIL,
        code(v.suite),
        code(v.data),
        String(v.rows),
        `${v.passed}/${v.evaluated}`,
        v.failed === 0 ? '0' : `${v.failed}${v.warnings > 0 ? ` (${v.warnings} warn)` : ''}`,
        `${v.validated_at.slice(0, 16).replace('T', ' ')}`,
      ]),
    ),
  );
  for (const v of list.filter((x) => x.failures.length > 0)) {
    const items = v.failures.map(
      (f) =>
        `- ${f.severity === 'warn' ? WARN : FAIL} ${code(f.expectation)}${f.column === null ? '' : ` on ${code(f.column)}`}: ${f.summary.replace(/\r?\n/g, ' ')}`,
    );
    out.push(
      '',
      ...details(
        `${tag(v.suite)} on ${tag(v.data)}: ${v.failures.length} failing expectation${plural(v.failures.length)}`,
        items,
        items.length <= FOLD_AFTER,
      ),
    );
  }
  return out;
}

function gateValue(v: number | boolean | null): string {
  if (v === null) return '—';
  if (typeof v === 'boolean') return v ? 'pass' : 'fail';
  return formatValue(v);
}

function promotionBlock(p: PromotionEntry): string[] {
  const verdict = p.dry_run
    ? p.promoted
      ? `${OK} passes every gate (dry run)`
      : `${FAIL} would be rejected (dry run)`
    : p.promoted
      ? `${OK} promoted${p.outcome === 'unchanged' ? ' (already held it)' : ''}`
      : `${FAIL} rejected`;
  const from = p.from === null ? '' : `, was v${p.from}`;
  const head = `**${cell(p.model)}@${cell(p.alias)}** ← v${p.version ?? '?'}${from}: ${verdict} · ${p.who ? `${cell(p.who)}, ` : ''}${p.at.slice(0, 16).replace('T', ' ')}`;
  if (p.gates.length === 0) return [head, '', 'No gates configured.'];
  return [
    head,
    '',
    ...table(
      ['Gate', 'Observed', 'Threshold', 'Result'],
      ['l', 'r', 'r', 'c'],
      p.gates.map((g) => [
        code(g.gate),
        gateValue(g.observed),
        gateValue(g.threshold),
        g.passed ? OK : FAIL,
      ]),
    ),
  ];
}

function promotionSection(list: PromotionEntry[], base: Base): string[] {
  const out = [`### ${TITLES.promotions}`, ''];
  if (list.length === 0) return [...out, `No promotion decisions${sinceText(base)}.`];
  list.forEach((p, i) => out.push(...(i > 0 ? [''] : []), ...promotionBlock(p)));
  return out;
}

function driftedCell(d: DriftEntry): string {
  if (d.drifted.length === 0) return '—';
  const names = d.drifted.slice(0, COLUMNS_IN_CELL).map(code).join(', ');
  const more = d.drifted.length - COLUMNS_IN_CELL;
  return more > 0 ? `${names} and ${more} more` : names;
}

function driftSection(list: DriftEntry[], base: Base): string[] {
  const out = [`### ${TITLES.drift}`, ''];
  if (list.length === 0) return [...out, `No drift checks${sinceText(base)}.`];
  out.push(
    ...table(
      ['', 'Baseline', 'Model', 'Data', 'Dataset drift', 'Drift share', 'Drifted columns'],
      ['c', 'l', 'l', 'l', 'l', 'r', 'l'],
      list.map((d) => [
        d.dataset_drift ? WARN : OK,
        code(d.baseline),
        d.model === null ? '—' : code(d.model),
        code(d.source),
        d.dataset_drift ? 'yes' : 'no',
        `${formatPercent(d.drift_share)} (${d.drifted.length}/${d.checked})`,
        driftedCell(d),
      ]),
    ),
  );
  for (const d of list.filter((x) => x.drifted.length > COLUMNS_IN_CELL)) {
    out.push(
      '',
      ...details(`${tag(d.baseline)}: all ${d.drifted.length} drifted columns`, [
        d.drifted.map(code).join(', '),
      ]),
    );
  }
  return out;
}
