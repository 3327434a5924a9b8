/**
 * Replays the request sequences MLflow's Python client sends (fixtures/client-
 * sequences.json, transcribed from mlflow 2.x and 3.x sources) against the handler
 * over real HTTP, and checks each answer has the fields the client reads, no
 * top-level fields the protocol does not define, and that the records landed in mlo.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serveMlflow } from '../../../src/mlflow/index.js';
import { getRun, listVersions, startRun, resolveModel } from '../../../src/index.js';
import { tempRepo } from '../tracking/temp-repo.js';

interface Step {
  call: string;
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  raw?: string;
  status?: number;
  keys: string[];
  reads?: string[];
  error_code?: string;
  save?: Record<string, string>;
}
interface Sequence {
  name: string;
  mlflow: string;
  steps: Step[];
}
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures/client-sequences.json'), 'utf8'),
) as { sources: Record<string, string[]>; sequences: Sequence[] };

function fill(v: unknown, vars: Record<string, string>): unknown {
  if (typeof v === 'string') {
    if (v === '$NOW') return Date.now();
    return v.replace(/\$([A-Z_]+)/g, (m, k: string) => vars[k] ?? m);
  }
  if (Array.isArray(v)) return v.map((x) => fill(x, vars));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, vars)]));
  }
  return v;
}

/** Values at a dotted path; `a[]` walks every element of array a. */
function valuesAt(doc: unknown, path: string): unknown[] {
  let cur: unknown[] = [doc];
  for (const part of path.split('.')) {
    const each = part.endsWith('[]');
    const key = each ? part.slice(0, -2) : part;
    cur = cur.flatMap((x) => {
      const v = (x as Record<string, unknown> | undefined)?.[key];
      return each ? (v ?? []) : [v];
    });
  }
  return cur;
}

async function replay(
  url: string,
  token: string,
  seq: Sequence,
  vars: Record<string, string>,
): Promise<void> {
  for (const step of seq.steps) {
    const path = fill(step.path, vars) as string;
    const query = step.query
      ? `?${new URLSearchParams(fill(step.query, vars) as Record<string, string>).toString()}`
      : '';
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let body: string | undefined;
    if (step.raw !== undefined) body = step.raw;
    else if (step.body !== undefined) {
      body = JSON.stringify(fill(step.body, vars));
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(url + path + query, { method: step.method, headers, body });
    const doc = (await res.json()) as Record<string, unknown>;
    const label = `${seq.mlflow} ${step.call}`;
    expect(res.status, `${label}: ${JSON.stringify(doc)}`).toBe(step.status ?? 200);
    expect(Object.keys(doc).sort(), label).toEqual([...step.keys].sort());
    if (step.error_code) expect(doc.error_code, label).toBe(step.error_code);
    for (const read of step.reads ?? []) {
      const values = valuesAt(doc, read);
      expect(values.length, `${label}: ${read}`).toBeGreaterThan(0);
      for (const v of values)
        expect(v, `${label}: ${read} in ${JSON.stringify(doc)}`).not.toBeUndefined();
    }
    for (const [k, p] of Object.entries(step.save ?? {})) vars[k] = valuesAt(doc, p)[0] as string;
  }
}

async function server(ownedRunIds: string[] = []) {
  const repo = tempRepo();
  const token = 'tok-' + Math.random().toString(16).slice(2);
  const ep = await serveMlflow({ repo, ownedRunIds: new Set(ownedRunIds) }, { token });
  onTestFinished(() => ep.close());
  return { repo, url: ep.url, token, ep };
}

describe('MLflow client request sequences (fixtures/client-sequences.json)', () => {
  it('names its sources for both majors', () => {
    expect(fixture.sources['2.x'].length).toBeGreaterThan(0);
    expect(fixture.sources['3.x'].length).toBeGreaterThan(0);
    expect(new Set(fixture.sequences.map((s) => s.mlflow))).toEqual(new Set(['2.x', '3.x']));
  });

  it('2.x: a script under mlo exec attaches to the mlo run; end_run leaves ending to mlo', async () => {
    const repo = tempRepo();
    const run = await startRun(repo, { name: 'exec-run', git: false, endOnExit: false });
    const token = 'secret';
    const ep = await serveMlflow({ repo, ownedRunIds: new Set([run.id]) }, { token });
    onTestFinished(() => ep.close());
    await replay(ep.url, token, fixture.sequences[0], { RUN_ID: run.id, EXP_ID: '0' });
    const detail = getRun(repo, run.id);
    expect(detail.status).toBe('running');
    expect(detail.params).toEqual({ C: '1.0', penalty: 'l2' });
    expect(detail.metrics).toEqual({ auc: 0.91, loss: 0.3 });
    expect(detail.tags).toEqual({ team: 'churn' });
    expect(detail.artifacts.map((a) => a.name)).toEqual(['report.txt']);
    await run.end();
  });

  it('2.x: a notebook run in experiment 0, registered from its artifacts', async () => {
    const { repo, url, token } = await server();
    const vars: Record<string, string> = { NAME: 'churn' };
    await replay(url, token, fixture.sequences[1], vars);
    const detail = getRun(repo, vars.RUN_ID);
    expect(detail.name).toBe('nb-run');
    expect(detail.status).toBe('finished');
    expect(detail.experiment).toBe('default');
    const [v] = listVersions(repo, 'churn');
    expect(v.format).toBe('mlflow');
    expect(v.lineage.runId).toBe(vars.RUN_ID);
  });

  it('3.x: log_model as a logged model, register_model through models:/ID', async () => {
    const { repo, url, token } = await server();
    const create = await fetch(`${url}/api/2.0/mlflow/runs/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_id: '0', start_time: Date.now(), tags: [] }),
    });
    const runId = ((await create.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
    const vars: Record<string, string> = { RUN_ID: runId, EXP_ID: '0', NAME: 'churn3' };
    await replay(url, token, fixture.sequences[2], vars);
    const v = resolveModel(repo, 'churn3@1');
    expect(v.lineage.runId).toBe(runId);
    expect(v.metrics).toEqual({ auc: 0.93 });
    expect(v.source).toBe(`models:/${vars.MODEL_ID}`);
  });

  it('refuses a request without the token and writes nothing', async () => {
    const { repo, url } = await server();
    const res = await fetch(`${url}/api/2.0/mlflow/runs/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ experiment_id: '0' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error_code: string }).error_code).toBe('UNAUTHENTICATED');
    expect(repo.store.db.prepare('SELECT COUNT(*) FROM runs').pluck().get()).toBe(0);
  });
});
