/**
 * The registry: models, a model's versions and alias audit (who, when, gate results),
 * and a version's lineage graph, evaluations with their slices and fairness gaps, and
 * what promoting it would decide now (a dry run).
 */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { postJson } from '../api.js';
import { Status, useApi } from '../components/async.js';
import { Lineage, type LineageGraph } from '../components/lineage.js';
import { fmtNumber, fmtTime, short } from '../format.js';
import type { Route } from '../route.js';

interface ModelSummary {
  name: string;
  versions: number;
  latestVersion: number;
  aliases: Record<string, number>;
  updatedAt: string;
  description: string | null;
}

interface GateResult {
  gate: string;
  passed: boolean;
  observed?: number | boolean | null;
  threshold?: number | boolean | null;
  reason?: string;
  [k: string]: unknown;
}

interface AliasEvent {
  seq: number;
  alias: string;
  action: string;
  outcome: string;
  fromVersion: number | null;
  toVersion: number | null;
  who: string;
  at: string;
  gates: GateResult[] | null;
  detail: Record<string, unknown> | null;
}

interface ModelVersion {
  name: string;
  version: number;
  hash: string;
  createdAt: string;
  createdBy: string;
  aliases: string[];
  format: string;
  stage: string;
  description: string | null;
  metrics: Record<string, number>;
  lineage: { runId: string | null; gitCommit: string | null };
}

interface UiModel {
  meta: { name: string; description: string | null; tags: Record<string, string> };
  versions: ModelVersion[];
  audit: AliasEvent[];
  serving: { version: number; role: string; route: string | null; rows: number; last_ms: number }[];
}

interface SliceReport {
  column: string;
  groups: {
    group: string | number | boolean | null;
    rows: number;
    metrics: Record<string, number | null>;
  }[];
  /** per metric: highest minus lowest over the groups */
  gaps: Record<string, { value: number | null; groups: number; reason?: string }>;
}

interface Evaluation {
  id: number | null;
  data: { path: string; hash: string; rows: number };
  target: string;
  task: string;
  metrics: Record<string, number | null>;
  slices: Record<string, SliceReport>;
  createdAt: string;
}

interface UiVersion extends ModelVersion {
  evaluationResults: Evaluation[];
  aliasHistory: AliasEvent[];
  lineageGraph: LineageGraph;
}

interface PromoteResult {
  promoted: boolean;
  alreadyHolds: boolean;
  alias: string;
  version: number;
  previous: number | null;
  gates: GateResult[];
  failed: string[];
  warnings: string[];
}

export function ModelsPage({ route, readOnly }: { route: Route; readOnly: boolean }) {
  const name = route.parts[1];
  return name ? <ModelPage name={name} route={route} readOnly={readOnly} /> : <ModelList />;
}

function ModelList() {
  const models = useApi<{ models: ModelSummary[] }>('models');
  return (
    <main>
      <h1>Models</h1>
      <Status loaded={models} />
      {models.data?.models.length === 0 && (
        <p class="muted">No registered models yet (mlo model register).</p>
      )}
      {models.data && models.data.models.length > 0 && (
        <table class="grid" aria-label="models">
          <thead>
            <tr>
              <th>model</th>
              <th class="num">versions</th>
              <th>aliases</th>
              <th>updated</th>
              <th>description</th>
            </tr>
          </thead>
          <tbody>
            {models.data.models.map((m) => (
              <tr key={m.name}>
                <td>
                  <a href={`#/models/${encodeURIComponent(m.name)}`}>{m.name}</a>
                </td>
                <td class="num">{m.versions}</td>
                <td>
                  {Object.entries(m.aliases)
                    .map(([a, v]) => `@${a} → v${v}`)
                    .join(', ')}
                </td>
                <td>{fmtTime(m.updatedAt)}</td>
                <td>{m.description ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function gateSummary(gates: GateResult[] | null): string {
  if (!gates || gates.length === 0) return '';
  const failed = gates.filter((g) => !g.passed).length;
  return failed ? `${failed} of ${gates.length} gates failed` : `${gates.length} gates passed`;
}

function ModelPage({ name, route, readOnly }: { name: string; route: Route; readOnly: boolean }) {
  const model = useApi<UiModel>(`models/${encodeURIComponent(name)}`);
  const versions = model.data?.versions ?? [];
  const v = Number(route.query.get('v')) || versions[versions.length - 1]?.version || 0;
  return (
    <main>
      <h1>
        <a href="#/models">Models</a> / {name}
      </h1>
      <Status loaded={model} />
      {model.data && (
        <>
          {model.data.meta.description && <p>{model.data.meta.description}</p>}
          <h2>Versions</h2>
          <table class="grid" aria-label="versions">
            <thead>
              <tr>
                <th>version</th>
                <th>registered</th>
                <th>by</th>
                <th>aliases</th>
                <th>stage</th>
                <th>format</th>
                <th>run</th>
                <th>description</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((x) => (
                <tr key={x.version} class={x.version === v ? 'differs' : ''}>
                  <td>
                    <a
                      href={`#/models/${encodeURIComponent(name)}?v=${x.version}`}
                      aria-current={x.version === v}
                    >
                      v{x.version}
                    </a>
                  </td>
                  <td>{fmtTime(x.createdAt)}</td>
                  <td>{x.createdBy}</td>
                  <td>{x.aliases.map((a) => `@${a}`).join(' ')}</td>
                  <td>{x.stage}</td>
                  <td>{x.format}</td>
                  <td>
                    {x.lineage.runId ? (
                      <a href={`#/run/${x.lineage.runId}`}>{short(x.lineage.runId)}</a>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>{x.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {v > 0 && <VersionView name={name} version={v} readOnly={readOnly} />}
          <h2>Alias history</h2>
          <Audit events={model.data.audit} />
          {model.data.serving.length > 0 && (
            <p>
              Served:{' '}
              {model.data.serving
                .map((s) => `v${s.version} ${s.route ?? s.role} ${s.rows.toLocaleString()} rows`)
                .join(' · ')}{' '}
              <a href={`#/serving?model=${encodeURIComponent(name)}`}>serving dashboard</a>
            </p>
          )}
        </>
      )}
    </main>
  );
}

function Audit({ events }: { events: AliasEvent[] }) {
  const [open, setOpen] = useState<number | null>(null);
  if (!events.length) return <p class="muted">No alias decisions yet.</p>;
  return (
    <table class="grid" aria-label="alias history">
      <thead>
        <tr>
          <th>when</th>
          <th>who</th>
          <th>alias</th>
          <th>action</th>
          <th>outcome</th>
          <th>from → to</th>
          <th>gates</th>
        </tr>
      </thead>
      <tbody>
        {[...events].reverse().map((e) => (
          <Fragment key={e.seq}>
            <tr key={e.seq}>
              <td>{fmtTime(e.at)}</td>
              <td>{e.who}</td>
              <td>@{e.alias}</td>
              <td>{e.action}</td>
              <td class={e.outcome === 'rejected' ? 'bad' : e.outcome === 'moved' ? 'ok' : ''}>
                {e.outcome}
              </td>
              <td>
                {e.fromVersion === null ? '—' : `v${e.fromVersion}`} →{' '}
                {e.toVersion === null ? '—' : `v${e.toVersion}`}
              </td>
              <td>
                {e.gates?.length ? (
                  <button
                    class="link"
                    onClick={() => setOpen(open === e.seq ? null : e.seq)}
                    aria-expanded={open === e.seq}
                  >
                    {gateSummary(e.gates)}
                  </button>
                ) : (
                  ''
                )}
              </td>
            </tr>
            {open === e.seq && e.gates && (
              <tr key={`${e.seq}-gates`}>
                <td colSpan={7}>
                  <Gates gates={e.gates} />
                </td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function Gates({ gates }: { gates: GateResult[] }) {
  return (
    <table class="grid" aria-label="gates">
      <thead>
        <tr>
          <th>gate</th>
          <th class="num">observed</th>
          <th class="num">threshold</th>
          <th>result</th>
        </tr>
      </thead>
      <tbody>
        {gates.map((g, i) => (
          <tr key={i}>
            <td class="mono">{g.gate}</td>
            <td class="num">
              {typeof g.observed === 'boolean' ? String(g.observed) : fmtNumber(g.observed ?? null)}
            </td>
            <td class="num">
              {typeof g.threshold === 'boolean'
                ? String(g.threshold)
                : fmtNumber(g.threshold ?? null)}
            </td>
            <td class={g.passed ? 'ok' : 'bad'}>
              {g.passed ? 'passed' : 'failed'}
              {g.reason ? ` · ${g.reason}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function VersionView({
  name,
  version,
  readOnly,
}: {
  name: string;
  version: number;
  readOnly: boolean;
}) {
  const v = useApi<UiVersion>(`models/${encodeURIComponent(name)}/versions/${version}`);
  return (
    <section aria-label={`version ${version}`}>
      <h2>
        {name} v{version}: lineage
      </h2>
      <Status loaded={v} />
      {v.data && (
        <>
          <div style={{ overflowX: 'auto' }}>
            <Lineage graph={v.data.lineageGraph} />
          </div>
          <h2>Evaluations</h2>
          {v.data.evaluationResults.length === 0 && <p class="muted">None stored (mlo eval).</p>}
          {v.data.evaluationResults.map((e) => (
            <EvaluationView key={e.id} e={e} />
          ))}
          <Preview
            name={name}
            version={version}
            readOnly={readOnly}
            aliases={[...new Set(v.data.aliasHistory.map((a) => a.alias))]}
          />
        </>
      )}
    </section>
  );
}

function EvaluationView({ e }: { e: Evaluation }) {
  const metrics = Object.entries(e.metrics);
  return (
    <div class="chart-card" style={{ marginBottom: '10px' }}>
      <h3>
        {e.data.path} <span class="muted mono">{short(e.data.hash, 12)}</span> ·{' '}
        {e.data.rows.toLocaleString()} rows · target {e.target} · {fmtTime(e.createdAt)}
      </h3>
      <table class="grid" aria-label="evaluation metrics">
        <tbody>
          <tr>
            {metrics.map(([k]) => (
              <th key={k} class="num">
                {k}
              </th>
            ))}
          </tr>
          <tr>
            {metrics.map(([k, val]) => (
              <td key={k} class="num">
                {fmtNumber(val)}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      {Object.values(e.slices).map((s) => {
        const keys = Object.keys(s.groups[0]?.metrics ?? {});
        const gap = (k: string): number | null => s.gaps[k]?.value ?? null;
        return (
          <div key={s.column}>
            <h3>by {s.column}</h3>
            <table class="grid" aria-label={`slices by ${s.column}`}>
              <thead>
                <tr>
                  <th>{s.column}</th>
                  <th class="num">rows</th>
                  {keys.map((k) => (
                    <th key={k} class="num">
                      {k}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {s.groups.map((g) => (
                  <tr key={String(g.group)}>
                    <td>{g.group === null ? '(missing)' : String(g.group)}</td>
                    <td class="num">{g.rows}</td>
                    {keys.map((k) => (
                      <td key={k} class="num">
                        {fmtNumber(g.metrics[k])}
                      </td>
                    ))}
                  </tr>
                ))}
                <tr class="differs">
                  <td>gap (highest − lowest)</td>
                  <td />
                  {keys.map((k) => (
                    <td key={k} class="num" data-gap={k}>
                      {fmtNumber(gap(k))}
                    </td>
                  ))}
                </tr>
              </tbody>
            </table>
          </div>
        );
      })}
    </div>
  );
}

function Preview(props: { name: string; version: number; readOnly: boolean; aliases: string[] }) {
  const [alias, setAlias] = useState(props.aliases[0] ?? 'champion');
  const [result, setResult] = useState<PromoteResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = (): void => {
    setBusy(true);
    setError(null);
    postJson<PromoteResult>(
      `models/${encodeURIComponent(props.name)}/versions/${props.version}/promotion-preview`,
      {
        to: alias,
      },
    ).then(
      (r) => {
        setResult(r);
        setBusy(false);
      },
      (e: Error & { hint?: string }) => {
        setError(`${e.message}${e.hint ? `\n${e.hint}` : ''}`);
        setBusy(false);
      },
    );
  };
  return (
    <>
      <h2>Promotion (dry run)</h2>
      <div class="toolbar">
        <label>
          to @
          <input
            aria-label="alias"
            value={alias}
            onInput={(e) => setAlias((e.target as HTMLInputElement).value)}
            size={12}
          />
        </label>
        <button
          onClick={run}
          disabled={busy || props.readOnly}
          title={props.readOnly ? 'read-only' : ''}
        >
          {busy ? 'deciding…' : 'what would promote decide?'}
        </button>
        <span class="muted">nothing moves and nothing is audited</span>
      </div>
      {error && <div class="error-box">{error}</div>}
      {result && (
        <div aria-label="promotion preview">
          <p class={result.alreadyHolds ? '' : result.failed.length ? 'bad' : 'ok'}>
            {result.alreadyHolds
              ? `v${result.version} already holds @${result.alias}`
              : result.failed.length
                ? `would be refused: ${result.failed.join(', ')}`
                : `would promote v${result.version} to @${result.alias}${result.previous ? ` (replacing v${result.previous})` : ''}`}
          </p>
          {result.gates.length > 0 && <Gates gates={result.gates} />}
          {result.warnings.map((w) => (
            <p key={w} class="warn">
              {w}
            </p>
          ))}
        </div>
      )}
    </>
  );
}
