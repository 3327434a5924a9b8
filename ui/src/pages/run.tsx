/**
 * One run: its attributes, the command with its exit status and the end of its
 * output, params, metric charts, tags, inputs with their data hashes (and what the
 * pointer file held at the run's commit), outputs and artifacts (images and text
 * previewed, everything downloadable).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { apiUrl, type Series } from '../api.js';
import { Status, useApi } from '../components/async.js';
import type { Curve } from '../components/curves.js';
import { LineChart } from '../components/line-chart.js';
import { fmtBytes, fmtDuration, fmtNumber, fmtTime, short } from '../format.js';
import type { Route } from '../route.js';

interface PathInfo {
  path: string;
  hash?: string;
  size?: number;
  type?: 'file' | 'dir';
  files?: number;
}

interface RunDetail {
  id: string;
  name: string;
  experiment: string;
  status: string;
  start: string;
  end: string | null;
  params: Record<string, string>;
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
  command: string | null;
  cwd: string | null;
  exitCode: number | null;
  duration: number;
  git: { commit: string | null; dirty: boolean | null };
  stage: string | null;
  host: string;
  error: string | null;
  logTail: string | null;
  latest: Record<string, { value: number | null; step: number; timestamp: number }>;
  inputs: PathInfo[];
  outputs: PathInfo[];
  pointers: Record<
    string,
    {
      pointer: string;
      workspaceHash: string | null;
      commitHash: string | null;
      matchesCommit: boolean | null;
    }
  >;
}

interface ArtifactFile {
  path: string;
  hash: string;
  size: number;
  preview: 'image' | 'text' | 'none';
}

const CHARTS_SHOWN = 12;
const NO_CURVES: Curve[] = [];

export function RunPage({ id }: { id: string; route: Route }) {
  const run = useApi<RunDetail>(`runs/${encodeURIComponent(id)}`);
  const artifacts = useApi<{ files: ArtifactFile[] }>(`runs/${encodeURIComponent(id)}/artifacts`);
  const [allCharts, setAllCharts] = useState(false);
  const r = run.data;
  const keys = useMemo(() => Object.keys(r?.latest ?? {}).sort(), [r]);
  const shownKeys = allCharts ? keys : keys.slice(0, CHARTS_SHOWN);
  // charts only for series longer than one point
  const multi = shownKeys.filter((k) => (r?.latest[k]?.step ?? 0) > 0);
  const series = useApi<{ series: Series[] }>(multi.length ? 'series' : null, {
    run: [id],
    key: multi,
    maxPoints: 1000,
    time: '0',
  });
  // The series come after the run: until they do, empty frames of the same size hold
  // the charts' place, so the tables below do not jump while someone clicks in them.
  const charts: { key: string; curves: Curve[]; loading?: boolean }[] = series.data
    ? series.data.series.map((s) => ({
        key: s.key,
        curves: [{ label: s.key, x: s.step, y: s.value }],
      }))
    : series.error
      ? []
      : multi.map((key) => ({ key, curves: NO_CURVES, loading: true }));
  return (
    <main>
      <Status loaded={run} />
      {r && (
        <>
          <h1>
            {r.name} <span class={`badge status-${r.status}`}>{r.status}</span>{' '}
            <span class="muted mono">{r.id}</span>
          </h1>
          <dl class="kv">
            <dt>experiment</dt>
            <dd>
              <a
                href={`#/runs?filter=${encodeURIComponent(`experiment = '${r.experiment.replace(/'/g, "''")}'`)}`}
              >
                {r.experiment}
              </a>
            </dd>
            {r.stage && (
              <>
                <dt>stage</dt>
                <dd>{r.stage}</dd>
              </>
            )}
            <dt>started</dt>
            <dd>
              {fmtTime(r.start)} · {fmtDuration(r.duration)}
              {r.status === 'running' ? ' so far' : ''}
            </dd>
            <dt>command</dt>
            <dd class="mono">{r.command ?? '—'}</dd>
            <dt>exit status</dt>
            <dd class={r.exitCode ? 'bad' : ''}>{r.exitCode ?? '—'}</dd>
            <dt>git commit</dt>
            <dd class="mono">
              {r.git.commit ?? '—'}
              {r.git.dirty ? ' (uncommitted changes)' : ''}
            </dd>
            <dt>host</dt>
            <dd>{r.host}</dd>
            {r.error && (
              <>
                <dt>error</dt>
                <dd class="bad">{r.error}</dd>
              </>
            )}
          </dl>
          {r.logTail && (
            <>
              <h2>End of output</h2>
              <pre class="log" aria-label="log tail">
                {r.logTail}
              </pre>
            </>
          )}
          <h2>Metrics</h2>
          <table class="grid" aria-label="metrics">
            <thead>
              <tr>
                <th>metric</th>
                <th class="num">latest</th>
                <th class="num">step</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k}>
                  <td class="mono">{k}</td>
                  <td class="num">{fmtNumber(r.latest[k].value)}</td>
                  <td class="num">{r.latest[k].step}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {charts.length > 0 && (
            <div class="charts" style={{ marginTop: '10px' }}>
              {charts.map((c) => (
                <LineChart
                  key={c.key}
                  title={c.key}
                  xLabel="step"
                  curves={c.curves}
                  height={200}
                  loading={c.loading}
                />
              ))}
            </div>
          )}
          {keys.length > CHARTS_SHOWN && !allCharts && (
            <button onClick={() => setAllCharts(true)}>chart all {keys.length} metrics</button>
          )}
          <div class="split" style={{ marginTop: '12px' }}>
            <section>
              <h2>Params</h2>
              <KeyValues values={r.params} label="params" />
              <h2>Tags</h2>
              <KeyValues values={r.tags} label="tags" />
            </section>
            <section>
              <h2>Inputs</h2>
              <Paths paths={r.inputs} pointers={r.pointers} commit={r.git.commit} />
              <h2>Outputs</h2>
              <Paths paths={r.outputs} />
              <h2>Artifacts</h2>
              <Status loaded={artifacts} />
              {artifacts.data && <Artifacts runId={r.id} files={artifacts.data.files} />}
            </section>
          </div>
        </>
      )}
    </main>
  );
}

function KeyValues({ values, label }: { values: Record<string, string>; label: string }) {
  const keys = Object.keys(values).sort();
  if (!keys.length) return <p class="muted">none</p>;
  return (
    <table class="grid" aria-label={label}>
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <td class="mono">{k}</td>
            <td class="mono">{values[k]}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Paths(props: {
  paths: PathInfo[];
  pointers?: RunDetail['pointers'];
  commit?: string | null;
}) {
  if (!props.paths.length) return <p class="muted">none recorded</p>;
  return (
    <table class="grid">
      <thead>
        <tr>
          <th>path</th>
          <th>data hash</th>
          <th class="num">size</th>
          {props.pointers && <th>pointer file</th>}
        </tr>
      </thead>
      <tbody>
        {props.paths.map((p) => {
          const link = props.pointers?.[p.path];
          return (
            <tr key={p.path}>
              <td class="mono">
                {p.path}
                {p.type === 'dir' ? `/ (${p.files ?? '?'} files)` : ''}
              </td>
              <td class="mono" title={p.hash}>
                {short(p.hash, 12)}
              </td>
              <td class="num">{p.size === undefined ? '—' : fmtBytes(p.size)}</td>
              {props.pointers && (
                <td>
                  {link ? (
                    <span
                      title={`workspace: ${link.workspaceHash ?? 'none'}; at ${short(props.commit)}: ${link.commitHash ?? 'none'}`}
                    >
                      <span class="mono">{link.pointer}</span>{' '}
                      {link.matchesCommit === true && (
                        <span class="ok">matches {short(props.commit, 7)}</span>
                      )}
                      {link.matchesCommit === false && (
                        <span class="warn">differs at {short(props.commit, 7)}</span>
                      )}
                      {link.matchesCommit === null && (
                        <span class="muted">not in git at the run's commit</span>
                      )}
                      {link.workspaceHash !== null && link.workspaceHash !== p.hash && (
                        <span class="warn"> · changed in the workspace since</span>
                      )}
                    </span>
                  ) : (
                    '—'
                  )}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Artifacts({ runId, files }: { runId: string; files: ArtifactFile[] }) {
  const [open, setOpen] = useState<string | null>(null);
  const [text, setText] = useState<{ path: string; body: string; cut: boolean } | null>(null);
  const url = (path: string, download = false): string =>
    apiUrl(`runs/${encodeURIComponent(runId)}/artifact`, { path, download: download ? '1' : '' });
  useEffect(() => {
    const f = files.find((x) => x.path === open);
    if (!f || f.preview !== 'text') return;
    void fetch(url(f.path)).then(async (res) =>
      setText({ path: f.path, body: await res.text(), cut: res.headers.has('x-mlo-truncated') }),
    );
  }, [open]);
  if (!files.length) return <p class="muted">none</p>;
  const current = files.find((f) => f.path === open);
  return (
    <>
      <table class="grid" aria-label="artifacts">
        <tbody>
          {files.map((f) => (
            <tr key={f.path}>
              <td class="mono">
                {f.preview === 'none' ? (
                  f.path
                ) : (
                  <button
                    class="link"
                    aria-expanded={open === f.path}
                    onClick={() => setOpen(open === f.path ? null : f.path)}
                  >
                    {f.path}
                  </button>
                )}
              </td>
              <td class="num">{fmtBytes(f.size)}</td>
              <td>
                <a href={url(f.path, true)} download>
                  download
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {current?.preview === 'image' && (
        <img class="preview" src={url(current.path)} alt={current.path} />
      )}
      {current?.preview === 'text' && text?.path === current.path && (
        <pre class="log" aria-label="artifact preview">
          {text.body}
          {text.cut ? '\n… (cut: download it for the rest)' : ''}
        </pre>
      )}
    </>
  );
}
