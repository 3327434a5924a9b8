/**
 * Serving, from the prediction log: requests over time per version, latency
 * percentiles per version, and the distribution of what was predicted; error rates
 * from the server's request counts, and live performance from `mlo perf`'s history.
 */
import { Status, useApi } from '../components/async.js';
import { LineChart } from '../components/line-chart.js';
import { fmtNumber, fmtTime } from '../format.js';
import { navigate, type Route } from '../route.js';

interface VersionServing {
  version: number;
  rows: number;
  requests: number;
  shadowRows: number;
  latencyMs: { p50: number; p90: number; p95: number; p99: number; max: number } | null;
  rate: number[];
  predictions:
    | { kind: 'labels'; counts: { label: string; count: number }[] }
    | { kind: 'histogram'; edges: number[]; counts: number[] }
    | null;
}

interface ServingReport {
  model: string;
  fromMs: number;
  toMs: number;
  bucketMs: number;
  lastMs: number | null;
  versions: VersionServing[];
  errors:
    | {
        available: true;
        versions: {
          version: number;
          requests: number;
          serverErrors: number;
          rejected: number;
          errorRate: number | null;
        }[];
      }
    | { available: false; reason: string };
  performance: {
    createdMs: number;
    versions: string;
    role: string;
    labelled: number;
    verdict: string | null;
    metrics: Record<string, { value: number | null; low: number | null; high: number | null }>;
  }[];
}

const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(2)}%`);

function ErrorTable({ errors }: { errors: ServingReport['errors'] }) {
  if (!errors.available) return <p class="muted">Error rate: not available ({errors.reason}).</p>;
  return (
    <>
      <h2>Errors per version</h2>
      <table class="grid" aria-label="errors">
        <thead>
          <tr>
            <th>version</th>
            <th class="num">requests</th>
            <th class="num">5xx</th>
            <th class="num">4xx</th>
            <th class="num">error rate</th>
          </tr>
        </thead>
        <tbody>
          {errors.versions.map((v) => (
            <tr key={v.version}>
              <td>v{v.version}</td>
              <td class="num">{v.requests.toLocaleString()}</td>
              <td class="num">{v.serverErrors.toLocaleString()}</td>
              <td class="num">{v.rejected.toLocaleString()}</td>
              <td class="num">{pct(v.errorRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function PerformanceTable({ rows }: { rows: ServingReport['performance'] }) {
  if (rows.length === 0) {
    return (
      <p class="muted">
        Live performance: no labelled traffic measured yet (<code>mlo feedback add</code>, then{' '}
        <code>mlo perf</code>).
      </p>
    );
  }
  const metrics = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].slice(0, 6);
  return (
    <>
      <h2>Live performance</h2>
      <table class="grid" aria-label="live performance">
        <thead>
          <tr>
            <th>measured</th>
            <th>versions</th>
            <th class="num">labelled</th>
            {metrics.map((m) => (
              <th class="num" key={m}>
                {m}
              </th>
            ))}
            <th>verdict</th>
          </tr>
        </thead>
        <tbody>
          {[...rows].reverse().map((r, i) => (
            <tr key={i}>
              <td>{fmtTime(r.createdMs)}</td>
              <td>{r.versions}</td>
              <td class="num">{r.labelled.toLocaleString()}</td>
              {metrics.map((m) => {
                const f = r.metrics[m];
                const interval =
                  f && f.low !== null && f.high !== null
                    ? `${fmtNumber(f.low)} – ${fmtNumber(f.high)}`
                    : undefined;
                return (
                  <td class="num" key={m} title={interval} data-metric={m}>
                    {fmtNumber(f?.value ?? null)}
                  </td>
                );
              })}
              <td data-verdict={r.verdict ?? ''}>{r.verdict ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const WINDOWS = ['1h', '24h', '7d', '30d', 'all'];

function Bars({ labels, counts }: { labels: string[]; counts: number[] }) {
  const max = Math.max(1, ...counts);
  const w = 360;
  const bar = 16;
  return (
    <svg
      width={w}
      height={counts.length * (bar + 4)}
      role="img"
      aria-label="prediction distribution"
    >
      {counts.map((c, i) => (
        <g key={i} transform={`translate(0,${i * (bar + 4)})`}>
          <text x={0} y={12}>
            {labels[i].length > 14 ? `${labels[i].slice(0, 13)}…` : labels[i]}
          </text>
          <rect
            x={100}
            width={((w - 170) * c) / max}
            height={bar}
            fill="var(--accent)"
            opacity={0.8}
          />
          <text x={104 + ((w - 170) * c) / max} y={12}>
            {c.toLocaleString()}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function ServingPage({ route }: { route: Route }) {
  const models = useApi<{ models: { name: string }[] }>('models');
  const model = route.query.get('model') ?? models.data?.models[0]?.name ?? null;
  const since = route.query.get('since') ?? '24h';
  const report = useApi<ServingReport>(model ? 'serving' : null, { model, since });
  const r = report.data;
  const perMinute = r ? 60_000 / r.bucketMs : 1;
  return (
    <main>
      <h1>Serving</h1>
      <div class="toolbar">
        <select
          aria-label="model"
          value={model ?? ''}
          onChange={(e) =>
            navigate(['serving'], { model: (e.target as HTMLSelectElement).value, since }, true)
          }
        >
          {(models.data?.models ?? []).map((m) => (
            <option key={m.name}>{m.name}</option>
          ))}
        </select>
        <select
          aria-label="window"
          value={since}
          onChange={(e) =>
            navigate(['serving'], { model, since: (e.target as HTMLSelectElement).value }, true)
          }
        >
          {WINDOWS.map((w) => (
            <option key={w} value={w}>
              {w === 'all' ? 'all time' : `last ${w}`}
            </option>
          ))}
        </select>
      </div>
      {!model && models.data && <p class="muted">No models registered.</p>}
      <Status loaded={report} />
      {r && r.versions.length === 0 && (
        <p class="muted">
          No predictions in this window; the model last served {fmtTime(r.lastMs)}.{' '}
          <a href={`#/serving?model=${encodeURIComponent(r.model)}&since=all`}>all time</a>
        </p>
      )}
      {r && r.versions.length > 0 && (
        <>
          <LineChart
            title="requests per minute (logged instances)"
            xLabel="time"
            timeX
            height={200}
            curves={r.versions.map((v) => ({
              label: `v${v.version}`,
              x: v.rate.map((_, i) => (r.fromMs + i * r.bucketMs) / 1000),
              y: v.rate.map((c) => c * perMinute),
            }))}
          />
          <h2>Latency and volume per version</h2>
          <table class="grid" aria-label="latency">
            <thead>
              <tr>
                <th>version</th>
                <th class="num">rows</th>
                <th class="num">requests</th>
                <th class="num">p50 ms</th>
                <th class="num">p90 ms</th>
                <th class="num">p95 ms</th>
                <th class="num">p99 ms</th>
                <th class="num">max ms</th>
                <th class="num">shadow rows</th>
              </tr>
            </thead>
            <tbody>
              {r.versions.map((v) => (
                <tr key={v.version}>
                  <td>v{v.version}</td>
                  <td class="num">{v.rows.toLocaleString()}</td>
                  <td class="num">{v.requests.toLocaleString()}</td>
                  <td class="num">{fmtNumber(v.latencyMs?.p50 ?? null)}</td>
                  <td class="num">{fmtNumber(v.latencyMs?.p90 ?? null)}</td>
                  <td class="num">{fmtNumber(v.latencyMs?.p95 ?? null)}</td>
                  <td class="num">{fmtNumber(v.latencyMs?.p99 ?? null)}</td>
                  <td class="num">{fmtNumber(v.latencyMs?.max ?? null)}</td>
                  <td class="num">{v.shadowRows.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ErrorTable errors={r.errors} />
          <PerformanceTable rows={r.performance} />
          <h2>Predictions</h2>
          <div class="charts">
            {r.versions.map((v) =>
              v.predictions ? (
                <div class="chart-card" key={v.version}>
                  <h3>v{v.version}</h3>
                  {v.predictions.kind === 'labels' ? (
                    <Bars
                      labels={v.predictions.counts.map((c) => c.label)}
                      counts={v.predictions.counts.map((c) => c.count)}
                    />
                  ) : (
                    <Bars
                      labels={v.predictions.counts.map((_, i) =>
                        fmtNumber((v.predictions as { edges: number[] }).edges[i]),
                      )}
                      counts={v.predictions.counts}
                    />
                  )}
                </div>
              ) : null,
            )}
          </div>
        </>
      )}
    </main>
  );
}
