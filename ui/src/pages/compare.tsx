/**
 * Runs side by side, from any experiments: metric curves overlaid (step or time on x,
 * log scale, smoothing), the params that differ, parallel coordinates over the swept
 * params, and one param against one metric.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { getJson, type Compare, type Series } from '../api.js';
import type { Curve } from '../components/curves.js';
import { LineChart } from '../components/line-chart.js';
import { ParallelCoordinates } from '../components/parallel.js';
import { Scatter } from '../components/scatter.js';
import { fmtValue } from '../format.js';
import { useLive } from '../live.js';
import { navigate, type Route } from '../route.js';

/** Points per curve asked of the server: two per pixel of a chart (a bucket's low and high). */
const MAX_POINTS = 1000;

export function curvesOf(series: Series[], key: string, x: 'step' | 'time'): Curve[] {
  return series
    .filter((s) => s.key === key)
    .map((s) => {
      const t0 = s.time?.[0] ?? 0;
      return {
        label: s.name,
        x: x === 'step' ? s.step : (s.time ?? []).map((t) => (t - t0) / 1000),
        y: s.value,
      };
    });
}

export function ComparePage({ route }: { route: Route }) {
  const q = route.query;
  const runs = q
    .getAll('run')
    .flatMap((r) => r.split(','))
    .filter(Boolean);
  const x = q.get('x') === 'time' ? 'time' : 'step';
  const log = q.get('log') === '1';
  const smoothing = Number(q.get('smooth') ?? 0) || 0;
  const onlyDiff = q.get('all') !== '1';
  const [cmp, setCmp] = useState<Compare | null>(null);
  const [series, setSeries] = useState<Series[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  useLive(() => setReload((n) => n + 1), 2000);

  const setQuery = (patch: Record<string, string | string[] | boolean | number | null>): void => {
    const cur: Record<string, string | string[]> = {
      run: runs,
      key: q.getAll('key'),
      x,
      log: log ? '1' : '',
      smooth: smoothing ? String(smoothing) : '',
      all: onlyDiff ? '' : '1',
      pc: q.get('pc') ?? '',
      sx: q.get('sx') ?? '',
      sy: q.get('sy') ?? '',
    };
    navigate(['compare'], { ...cur, ...(patch as Record<string, string>) }, true);
  };

  useEffect(() => {
    if (runs.length < 2) return;
    performance.mark('mlo:compare:start');
    const ctl = new AbortController();
    getJson<Compare>('compare', { run: runs }, ctl.signal).then(
      setCmp,
      (e: Error) => e.name !== 'AbortError' && setError(e.message),
    );
    return () => ctl.abort();
  }, [runs.join(','), reload]);

  const metricKeys = cmp?.metrics.map((m) => m.key) ?? [];
  const keys = q.getAll('key').length ? q.getAll('key') : metricKeys.slice(0, 6);
  useEffect(() => {
    if (runs.length === 0 || keys.length === 0) return;
    const ctl = new AbortController();
    getJson<{ series: Series[] }>(
      'series',
      { run: runs, key: keys, maxPoints: MAX_POINTS, time: x === 'time' ? '1' : '0' },
      ctl.signal,
    ).then(
      (r) => setSeries(r.series),
      (e: Error) => e.name !== 'AbortError' && setError(e.message),
    );
    return () => ctl.abort();
  }, [runs.join(','), keys.join('\u0000'), reload, x]);

  useEffect(() => {
    if (series.length && cmp) {
      performance.mark('mlo:compare:rendered');
      try {
        performance.measure('mlo:compare', 'mlo:compare:start', 'mlo:compare:rendered');
      } catch {
        // no start mark: a live refresh
      }
    }
  }, [series, cmp]);

  const charts = useMemo(
    () => keys.map((k) => ({ key: k, curves: curvesOf(series, k, x) })),
    [series, keys.join('\u0000'), x],
  );

  if (runs.length < 2)
    return (
      <main>
        <p>
          Select two runs or more in the <a href="#/runs">runs table</a> to compare them.
        </p>
      </main>
    );
  const names = cmp?.runs.map((r) => r.name) ?? [];
  const diffParams = cmp?.params.filter((p) => p.differs) ?? [];
  const pcMetric = q.get('pc') || metricKeys[0] || '';
  const sxKey = q.get('sx') || diffParams[0]?.key || cmp?.params[0]?.key || '';
  const syKey = q.get('sy') || metricKeys[0] || '';
  const metricValues = (key: string): (number | null)[] =>
    cmp?.metrics.find((m) => m.key === key)?.values.slice(0, runs.length) ?? [];
  return (
    <main>
      <h1>
        Compare {runs.length} runs{' '}
        <a class="muted" href={`#/runs?sel=${runs.join(',')}`} style={{ fontSize: '12px' }}>
          back to the table
        </a>
      </h1>
      {error && <div class="error-box">{error}</div>}
      <div class="toolbar">
        <label>
          x{' '}
          <select
            aria-label="x axis"
            value={x}
            onChange={(e) => setQuery({ x: (e.target as HTMLSelectElement).value })}
          >
            <option value="step">step</option>
            <option value="time">time (s)</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={log} onChange={() => setQuery({ log: log ? '' : '1' })} />{' '}
          log y
        </label>
        <label>
          smoothing{' '}
          <input
            type="range"
            aria-label="smoothing"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setQuery({ smooth: (e.target as HTMLInputElement).value })}
          />{' '}
          {smoothing.toFixed(2)}
        </label>
        <label>
          metrics{' '}
          <select
            multiple
            aria-label="metrics"
            size={Math.min(6, Math.max(2, metricKeys.length))}
            onChange={(e) =>
              setQuery({
                key: [...(e.target as HTMLSelectElement).selectedOptions].map((o) => o.value),
              })
            }
          >
            {metricKeys.map((k) => (
              <option key={k} value={k} selected={keys.includes(k)}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="charts">
        {charts.map((c) => (
          <LineChart
            key={c.key}
            title={c.key}
            curves={c.curves}
            xLabel={x === 'step' ? 'step' : 'seconds'}
            logY={log}
            smoothing={smoothing}
          />
        ))}
      </div>
      <h2>
        Params{' '}
        <label class="muted" style={{ fontSize: '12px', fontWeight: 400 }}>
          <input
            type="checkbox"
            checked={onlyDiff}
            onChange={() => setQuery({ all: onlyDiff ? '1' : '' })}
          />{' '}
          only those that differ
        </label>
      </h2>
      <DiffTable
        names={names}
        rows={(cmp?.params ?? []).filter((p) => !onlyDiff || p.differs)}
        label="params"
      />
      <h2>Metrics</h2>
      <DiffTable names={names} rows={cmp?.metrics ?? []} label="metrics" />
      {diffParams.length > 0 && (
        <>
          <h2>
            Parallel coordinates{' '}
            <select
              aria-label="parallel metric"
              value={pcMetric}
              onChange={(e) => setQuery({ pc: (e.target as HTMLSelectElement).value })}
            >
              {metricKeys.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </h2>
          <div style={{ overflowX: 'auto' }}>
            <ParallelCoordinates
              runs={names}
              axes={[
                ...diffParams
                  .slice(0, 12)
                  .map((p) => ({ key: p.key, values: p.values.slice(0, runs.length) })),
                ...(pcMetric ? [{ key: pcMetric, values: metricValues(pcMetric) }] : []),
              ]}
            />
          </div>
        </>
      )}
      {cmp && cmp.params.length > 0 && metricKeys.length > 0 && (
        <>
          <h2>
            <select
              aria-label="scatter param"
              value={sxKey}
              onChange={(e) => setQuery({ sx: (e.target as HTMLSelectElement).value })}
            >
              {cmp.params.map((p) => (
                <option key={p.key}>{p.key}</option>
              ))}
            </select>{' '}
            against{' '}
            <select
              aria-label="scatter metric"
              value={syKey}
              onChange={(e) => setQuery({ sy: (e.target as HTMLSelectElement).value })}
            >
              {metricKeys.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </h2>
          <Scatter
            xKey={sxKey}
            yKey={syKey}
            x={cmp.params.find((p) => p.key === sxKey)?.values.slice(0, runs.length) ?? []}
            y={metricValues(syKey)}
            labels={names}
          />
        </>
      )}
    </main>
  );
}

export function DiffTable(props: {
  names: string[];
  rows: { key: string; values: (string | number | null)[]; differs: boolean }[];
  label: string;
}) {
  if (props.rows.length === 0) return <p class="muted">No {props.label} to show.</p>;
  return (
    <div style={{ overflowX: 'auto' }}>
      <table class="grid" aria-label={`${props.label} diff`}>
        <thead>
          <tr>
            <th>key</th>
            {props.names.map((n, i) => (
              <th key={i}>{n}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr key={r.key} class={r.differs ? 'differs' : ''}>
              <td class="mono">{r.key}</td>
              {props.names.map((_, i) => (
                <td key={i} class={typeof r.values[i] === 'number' ? 'num' : ''}>
                  {fmtValue(r.values[i])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
