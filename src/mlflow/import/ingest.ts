/**
 * The source-independent half of `mlo import mlflow`: experiments, runs with their
 * full metric history, params, tags and artifacts, and registered models with their
 * versions and aliases, from any reader (source.ts) into mlo. Run ids are kept, so
 * importing twice finds every run already there and changes nothing; versions with
 * the same content are the same version.
 */
import { hostname } from 'node:os';
import { cacheOf } from '../../data/index.js';
import type { Repo } from '../../repo/index.js';
import {
  addObjectRefs,
  finishRun,
  getAliasRow,
  getExperimentRowByName,
  getModelRow,
  getRunRow,
  insertExperimentRow,
  insertRun,
  listVersionRows,
  setExperimentLifecycle,
  setRunLifecycle,
  type RunBatch,
  type RunStatus,
} from '../../store/index.js';
import { RUN_REF_KIND } from '../../tracking/index.js';
import { createMlflowHandler } from '../handler.js';
import type { MlflowSource, SourceModel, SourceRun } from './source.js';

export interface ImportResult {
  experiments: { created: number; existing: number };
  runs: { imported: number; existing: number };
  metricPoints: number;
  artifacts: number;
  versions: { created: number; existing: number };
  warnings: string[];
}

export function emptyResult(): ImportResult {
  return {
    experiments: { created: 0, existing: 0 },
    runs: { imported: 0, existing: 0 },
    metricPoints: 0,
    artifacts: 0,
    versions: { created: 0, existing: 0 },
    warnings: [],
  };
}

const STATUS: Record<string, RunStatus> = {
  '1': 'running',
  RUNNING: 'running',
  '2': 'running',
  SCHEDULED: 'running',
  '3': 'finished',
  FINISHED: 'finished',
  '4': 'failed',
  FAILED: 'failed',
  '5': 'killed',
  KILLED: 'killed',
};

export async function ingestMlflow(
  repo: Repo,
  source: MlflowSource,
  result: ImportResult,
): Promise<void> {
  for await (const e of source.experiments()) {
    const existing = getExperimentRowByName(repo.store, e.name === 'Default' ? 'default' : e.name);
    let id: number;
    if (existing) {
      id = existing.id;
      result.experiments.existing++;
    } else {
      const created = e.creationMs ?? Date.now();
      id = insertExperimentRow(repo.store, { name: e.name, tags: e.tags }, created);
      if (e.deleted) setExperimentLifecycle(repo.store, id, 'deleted', created);
      result.experiments.created++;
    }
    const runExperiment =
      id === 0 ? 'default' : (getExperimentRowByName(repo.store, e.name)?.name ?? e.name);
    for await (const run of e.runs()) await ingestRun(repo, run, runExperiment, result);
  }
  for await (const m of source.models()) await ingestModel(repo, m, result);
}

/**
 * Everything a run holds is fetched (history, artifacts into the cache) before the run
 * is recorded, in one transaction: a run cut short by a failing server is not there,
 * and the next import fetches it whole.
 */
async function ingestRun(
  repo: Repo,
  run: SourceRun,
  experiment: string,
  result: ImportResult,
): Promise<void> {
  if (getRunRow(repo.store, run.id)) {
    result.runs.existing++;
    return;
  }
  const batch: RunBatch = {
    params: run.params,
    tags: run.tags.filter(([k]) => k !== 'mlflow.runName'),
    series: [],
    artifacts: [],
  };
  let points = 0;
  for await (const s of run.metrics()) {
    batch.series?.push({ ...s, n: s.steps.length });
    points += s.steps.length;
  }
  const cache = cacheOf(repo);
  for await (const a of run.artifacts()) {
    const { hash, size } = await cache.ingestFile(a.file);
    batch.artifacts?.push({ name: a.path, hash, size, type: 'file' });
  }
  const name =
    run.name ?? run.tags.find(([k]) => k === 'mlflow.runName')?.[1] ?? run.id.slice(0, 8);
  const startMs = run.startMs ?? Date.now();
  const endMs = run.endMs ?? startMs;
  const status = STATUS[run.status] ?? 'finished';
  repo.store.db.transaction(() => {
    const seq = insertRun(repo.store, {
      id: run.id,
      name,
      experiment,
      startMs,
      host: hostname(),
    });
    // a run that was running when MLflow stopped is imported as killed: nothing will end it
    finishRun(repo.store, seq, { status: status === 'running' ? 'killed' : status, endMs }, batch);
    if (run.deleted) setRunLifecycle(repo.store, seq, 'deleted', endMs);
    addObjectRefs(
      repo.store,
      (batch.artifacts ?? []).map((a) => ({ kind: RUN_REF_KIND, owner: run.id, hash: a.hash })),
    );
  })();
  result.runs.imported++;
  result.metricPoints += points;
  result.artifacts += batch.artifacts?.length ?? 0;
}

/**
 * A version's source as mlo's registry takes it: a path into a run's artifacts (a
 * file store path, `mlflow-artifacts:/…`, `s3://…/<run>/artifacts/…`) becomes
 * `runs:/RUN/PATH`, registered from the imported run.
 */
function versionSource(source: string): string {
  if (source.startsWith('runs:/')) return source;
  const art = /([0-9a-f]{32})\/artifacts\/?(.*)$/.exec(source);
  return art ? `runs:/${art[1]}/${art[2].replace(/\/+$/, '')}` : source;
}

async function ingestModel(repo: Repo, m: SourceModel, result: ImportResult): Promise<void> {
  const handle = createMlflowHandler({ repo });
  const call = async (method: string, sub: string, body: Record<string, unknown>) => {
    const r = await handle({
      method,
      path: `/api/2.0/mlflow/${sub}`,
      query: new URLSearchParams(),
      body,
    });
    return r as { status: number; json: Record<string, unknown> };
  };
  const created = await call('POST', 'registered-models/create', {
    name: m.name,
    description: m.description,
  });
  if (created.status !== 200 && (created.json.error_code as string) !== 'RESOURCE_ALREADY_EXISTS') {
    result.warnings.push(`model ${m.name}: ${String(created.json.message)}`);
    return;
  }
  const numbers = new Map<number, string>();
  const before = countVersions(repo, m.name);
  for (const v of [...m.versions].sort((a, b) => a.version - b.version)) {
    const r = await call('POST', 'model-versions/create', {
      name: m.name,
      source: versionSource(v.source),
      ...(v.runId && getRunRow(repo.store, v.runId) && { run_id: v.runId }),
      description: v.description,
    });
    if (r.status !== 200) {
      result.warnings.push(`model ${m.name} version ${v.version}: ${String(r.json.message)}`);
      continue;
    }
    numbers.set(v.version, (r.json.model_version as { version: string }).version);
  }
  const after = countVersions(repo, m.name);
  result.versions.created += after - before;
  result.versions.existing += numbers.size - (after - before);
  for (const { alias, version } of m.aliases) {
    const mlo = numbers.get(version);
    // an alias already there is not set again: a second import audits nothing
    if (mlo && getAliasRow(repo.store, m.name, alias)?.version !== Number(mlo))
      await call('POST', 'registered-models/alias', { name: m.name, alias, version: mlo });
  }
}

function countVersions(repo: Repo, name: string): number {
  const m = getModelRow(repo.store, name);
  return m ? listVersionRows(repo.store, m.id).length : 0;
}
