/**
 * Data quality: validation runs with each expectation's result and failing values;
 * baselines with their drift history (share of drifted columns over time) and each
 * stored report column by column.
 */
import { Status, useApi, type Loaded } from '../components/async.js';
import { LineChart } from '../components/line-chart.js';
import { fmtNumber, fmtTime, short } from '../format.js';
import { navigate, type Route } from '../route.js';

interface ValidationSummary {
  id: number;
  suite: { name: string; hash: string };
  data: { file: string; hash: string; rows: number };
  success: boolean;
  statistics: { evaluated: number; successful: number; unsuccessful: number; warnings: number };
  validated_at: string;
}

interface ExpectationResult {
  success: boolean;
  severity: string;
  expectation_config: { expectation_type: string; kwargs: Record<string, unknown> };
  result: {
    unexpected_count?: number;
    unexpected_percent?: number | null;
    partial_unexpected_list?: unknown[];
    partial_unexpected_counts?: { value: unknown; count: number }[];
    observed_value?: unknown;
    element_count?: number;
  };
  exception_info: { raised_exception: boolean; exception_message: string | null };
  summary: string;
}

interface ValidationResult {
  success: boolean;
  statistics: ValidationSummary['statistics'];
  results: ExpectationResult[];
  suite: { name: string };
  data: { file: string; hash: string; rows: number };
  validated_at: string;
}

interface Baseline {
  name: string;
  created_at: string;
  source: string;
  rows: number;
  model: { name: string; version: number } | null;
}

interface DriftHistory {
  baseline: string;
  reports: {
    id: number;
    created_at: string;
    source: string;
    rows: number;
    dataset_drift: boolean;
    drift_share: number;
    drifted_columns: number;
    checked_columns: number;
    baseline_changed: boolean;
  }[];
}

interface DriftReport {
  dataset_drift: boolean;
  drift_share: number;
  share_threshold: number;
  drifted_columns: number;
  checked_columns: number;
  columns: {
    column: string;
    kind: string;
    test: string;
    score: number | null;
    threshold: number;
    drifted: boolean;
    status: string;
    severity: string | null;
    message?: string;
    stats: { psi?: number | null; wasserstein?: number | null; [k: string]: unknown };
  }[];
  current: { source: string; rows: number };
  baseline: { name: string; rows: number };
  created_at: string;
}

export function QualityPage({ route }: { route: Route }) {
  const [page, a, b] = route.parts;
  if (page === 'quality' && a === 'validation' && b) return <ValidationView id={b} />;
  if (page === 'drift' && a) return <DriftView baseline={a} report={route.query.get('report')} />;
  return <Overview />;
}

function Overview() {
  const validations = useApi<{ validations: ValidationSummary[] }>('validations');
  const baselines = useApi<{ baselines: Baseline[] }>('baselines');
  // two fetches that answer in either order: drawn together, neither block pushes the
  // other's links down as it arrives (a click aimed at a baseline would miss)
  const settled = (l: Loaded<unknown>): boolean => l.data !== null || l.error !== null;
  if (!settled(validations) || !settled(baselines))
    return (
      <main>
        <h1>Data quality</h1>
        <p class="muted">loading…</p>
      </main>
    );
  return (
    <main>
      <h1>Data quality</h1>
      <h2>Validations</h2>
      <Status loaded={validations} />
      {validations.data?.validations.length === 0 && <p class="muted">None yet (mlo validate).</p>}
      {!!validations.data?.validations.length && (
        <table class="grid" aria-label="validations">
          <thead>
            <tr>
              <th>result</th>
              <th>suite</th>
              <th>data</th>
              <th class="num">rows</th>
              <th class="num">passed</th>
              <th class="num">failed</th>
              <th>when</th>
            </tr>
          </thead>
          <tbody>
            {validations.data.validations.map((v) => (
              <tr key={v.id}>
                <td class={v.success ? 'ok' : 'bad'}>
                  <a href={`#/quality/validation/${v.id}`}>{v.success ? 'passed' : 'failed'}</a>
                </td>
                <td>{v.suite.name}</td>
                <td class="mono">{v.data.file}</td>
                <td class="num">{v.data.rows.toLocaleString()}</td>
                <td class="num">
                  {v.statistics.successful}/{v.statistics.evaluated}
                </td>
                <td class="num">{v.statistics.unsuccessful}</td>
                <td>{fmtTime(v.validated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Drift baselines</h2>
      <Status loaded={baselines} />
      {baselines.data?.baselines.length === 0 && (
        <p class="muted">None yet (mlo baseline create).</p>
      )}
      {!!baselines.data?.baselines.length && (
        <table class="grid" aria-label="baselines">
          <thead>
            <tr>
              <th>baseline</th>
              <th>model</th>
              <th>source</th>
              <th class="num">rows</th>
              <th>created</th>
            </tr>
          </thead>
          <tbody>
            {baselines.data.baselines.map((b) => (
              <tr key={b.name}>
                <td>
                  <a href={`#/drift/${encodeURIComponent(b.name)}`}>{b.name}</a>
                </td>
                <td>{b.model ? `${b.model.name}@${b.model.version}` : '—'}</td>
                <td class="mono">{b.source}</td>
                <td class="num">{b.rows.toLocaleString()}</td>
                <td>{fmtTime(b.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function ValidationView({ id }: { id: string }) {
  const v = useApi<ValidationResult>(`validations/${encodeURIComponent(id)}`, {}, false);
  const r = v.data;
  return (
    <main>
      <h1>
        <a href="#/quality">Data quality</a> / validation {id}
      </h1>
      <Status loaded={v} />
      {r && (
        <>
          <p class={r.success ? 'ok' : 'bad'}>
            {r.success ? 'passed' : 'failed'}: suite {r.suite.name} on{' '}
            <span class="mono">{r.data.file}</span> ({r.data.rows.toLocaleString()} rows,{' '}
            <span class="mono">{short(r.data.hash, 12)}</span>), {r.statistics.successful} of{' '}
            {r.statistics.evaluated} expectations met, {fmtTime(r.validated_at)}
          </p>
          <table class="grid" aria-label="expectations">
            <thead>
              <tr>
                <th>result</th>
                <th>expectation</th>
                <th>arguments</th>
                <th class="num">unexpected</th>
                <th>failing values</th>
              </tr>
            </thead>
            <tbody>
              {r.results.map((x, i) => (
                <tr key={i} class={x.success ? '' : 'differs'}>
                  <td class={x.success ? 'ok' : x.severity === 'warn' ? 'warn' : 'bad'}>
                    {x.success ? 'met' : x.severity === 'warn' ? 'warning' : 'failed'}
                  </td>
                  <td class="mono">{x.expectation_config.expectation_type}</td>
                  <td class="mono">
                    {Object.entries(x.expectation_config.kwargs)
                      .map(([k, val]) => `${k}=${show(val)}`)
                      .join(', ')}
                  </td>
                  <td class="num">
                    {x.result.unexpected_count !== undefined
                      ? `${x.result.unexpected_count} (${fmtNumber(x.result.unexpected_percent ?? null)}%)`
                      : x.result.observed_value !== undefined
                        ? `observed ${show(x.result.observed_value)}`
                        : ''}
                  </td>
                  <td class="mono" data-failing>
                    {x.exception_info.raised_exception
                      ? x.exception_info.exception_message
                      : (
                          x.result.partial_unexpected_counts?.map(
                            (c) => `${show(c.value)} ×${c.count}`,
                          ) ??
                          x.result.partial_unexpected_list?.map(show) ??
                          []
                        ).join(', ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </main>
  );
}

function DriftView({ baseline, report }: { baseline: string; report: string | null }) {
  const h = useApi<DriftHistory>(`drift/${encodeURIComponent(baseline)}`);
  const reports = h.data?.reports ?? [];
  const chosen = report ?? (reports.length ? String(reports[reports.length - 1].id) : null);
  return (
    <main>
      <h1>
        <a href="#/quality">Data quality</a> / drift of {baseline}
      </h1>
      <Status loaded={h} />
      {reports.length === 0 && h.data && (
        <p class="muted">No drift checks against this baseline yet (mlo drift check).</p>
      )}
      {reports.length > 1 && (
        <LineChart
          title="share of drifted columns"
          xLabel="time"
          timeX
          curves={[
            {
              label: 'drift share',
              x: reports.map((r) => Date.parse(r.created_at) / 1000),
              y: reports.map((r) => r.drift_share),
            },
          ]}
          height={200}
        />
      )}
      {reports.length > 0 && (
        <table class="grid" aria-label="drift history">
          <thead>
            <tr>
              <th>checked</th>
              <th>data</th>
              <th class="num">rows</th>
              <th class="num">drifted</th>
              <th class="num">share</th>
              <th>dataset drift</th>
            </tr>
          </thead>
          <tbody>
            {[...reports].reverse().map((r) => (
              <tr key={r.id} class={String(r.id) === chosen ? 'differs' : ''}>
                <td>
                  <a
                    href={`#/drift/${encodeURIComponent(baseline)}?report=${r.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(['drift', baseline], { report: r.id }, true);
                    }}
                  >
                    {fmtTime(r.created_at)}
                  </a>
                  {r.baseline_changed ? <span class="warn"> (baseline re-created)</span> : ''}
                </td>
                <td class="mono">{r.source}</td>
                <td class="num">{r.rows.toLocaleString()}</td>
                <td class="num">
                  {r.drifted_columns}/{r.checked_columns}
                </td>
                <td class="num">{fmtNumber(r.drift_share)}</td>
                <td class={r.dataset_drift ? 'bad' : 'ok'}>{r.dataset_drift ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen && <ReportView id={chosen} />}
    </main>
  );
}

function ReportView({ id }: { id: string }) {
  const r = useApi<DriftReport>(`drift-reports/${encodeURIComponent(id)}`, {}, false);
  const d = r.data;
  return (
    <section aria-label="drift report">
      <h2>Report {id}</h2>
      <Status loaded={r} />
      {d && (
        <>
          <p class={d.dataset_drift ? 'bad' : 'ok'}>
            {d.dataset_drift ? 'dataset drift' : 'no dataset drift'}: {d.drifted_columns} of{' '}
            {d.checked_columns} columns drifted (share {fmtNumber(d.drift_share)}, threshold{' '}
            {fmtNumber(d.share_threshold)}); {d.current.source}, {d.current.rows.toLocaleString()}{' '}
            rows against {d.baseline.rows.toLocaleString()}
          </p>
          <table class="grid" aria-label="columns">
            <thead>
              <tr>
                <th>column</th>
                <th>kind</th>
                <th>test</th>
                <th class="num">score</th>
                <th class="num">threshold</th>
                <th class="num">PSI</th>
                <th>drifted</th>
              </tr>
            </thead>
            <tbody>
              {d.columns.map((c) => (
                <tr key={c.column} class={c.drifted ? 'differs' : ''} data-column={c.column}>
                  <td class="mono">{c.column}</td>
                  <td>{c.kind}</td>
                  <td>{c.test}</td>
                  <td class="num">{fmtNumber(c.score)}</td>
                  <td class="num">{fmtNumber(c.threshold)}</td>
                  <td class="num">{fmtNumber(c.stats.psi ?? null)}</td>
                  <td class={c.drifted ? 'bad' : c.status !== 'ok' ? 'muted' : 'ok'}>
                    {c.status !== 'ok'
                      ? (c.message ?? c.status)
                      : c.drifted
                        ? `yes${c.severity ? ` (${c.severity})` : ''}`
                        : 'no'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
