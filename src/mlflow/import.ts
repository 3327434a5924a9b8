/**
 * `mlo import mlflow PATH`: an MLflow file store (`mlruns/`) into mlo — experiments,
 * runs with their full metric history, params, tags and artifacts, and registered
 * models with their versions and aliases. Run ids are kept, so importing twice finds
 * every run already there and changes nothing; versions with the same content are
 * the same version.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { hostname } from 'node:os';
import { parse as parseYaml } from 'yaml';
import { MloError } from '../errors.js';
import { cacheOf } from '../data/index.js';
import type { Repo } from '../repo/index.js';
import {
  addObjectRefs,
  finishRun,
  getExperimentRowByName,
  getAliasRow,
  getModelRow,
  getRunRow,
  insertExperimentRow,
  listVersionRows,
  insertRun,
  setRunLifecycle,
  type RunBatch,
  type RunStatus,
} from '../store/index.js';
import { RUN_REF_KIND } from '../tracking/index.js';
import { createMlflowHandler } from './handler.js';

export interface ImportResult {
  experiments: { created: number; existing: number };
  runs: { imported: number; existing: number };
  metricPoints: number;
  artifacts: number;
  versions: { created: number; existing: number };
  warnings: string[];
}

const STATUS: Record<string, Exclude<RunStatus, 'running'> | 'running'> = {
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

function readYaml(path: string): Record<string, unknown> {
  try {
    return (parseYaml(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (err) {
    throw new MloError(
      'INVALID',
      `${path}: not valid YAML: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

/** Files below dir as [key with slashes, absolute path] (MLflow nests keys with '/'). */
function keyFiles(dir: string): [string, string][] {
  if (!existsSync(dir)) return [];
  const out: [string, string][] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.isFile()) out.push([relative(dir, abs).split('\\').join('/'), abs]);
    }
  };
  walk(dir);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

export async function importMlflowStore(repo: Repo, path: string): Promise<ImportResult> {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isDirectory())
    throw new MloError('NOT_FOUND', `${path}: no such directory (an MLflow mlruns/ store)`);
  if (/^https?:\/\//.test(path))
    throw new MloError('USAGE', 'importing from a tracking server URL is not supported yet');
  const result: ImportResult = {
    experiments: { created: 0, existing: 0 },
    runs: { imported: 0, existing: 0 },
    metricPoints: 0,
    artifacts: 0,
    versions: { created: 0, existing: 0 },
    warnings: [],
  };
  const expDirs = readdirSync(path, { withFileTypes: true }).filter(
    (e) => e.isDirectory() && /^\d+$/.test(e.name) && existsSync(join(path, e.name, 'meta.yaml')),
  );
  if (expDirs.length === 0 && !existsSync(join(path, 'models'))) {
    throw new MloError('INVALID', `${path}: no MLflow experiments here (expected <id>/meta.yaml)`, {
      hint: 'point at the mlruns/ directory MLflow wrote',
    });
  }
  const runExperiment = new Map<string, number>();
  for (const e of expDirs) {
    const dir = join(path, e.name);
    const meta = readYaml(join(dir, 'meta.yaml'));
    const name = text(meta.name, e.name);
    let id: number;
    const existing = getExperimentRowByName(repo.store, name === 'Default' ? 'default' : name);
    if (existing) {
      id = existing.id;
      result.experiments.existing++;
    } else {
      const tags = Object.fromEntries(
        keyFiles(join(dir, 'tags')).map(([k, abs]) => [k, readFileSync(abs, 'utf8')]),
      );
      id = insertExperimentRow(
        repo.store,
        { name, tags },
        Number(meta.creation_time ?? Date.now()),
      );
      result.experiments.created++;
    }
    const runName = id === 0 ? 'default' : (getExperimentRowByName(repo.store, name)?.name ?? name);
    for (const r of readdirSync(dir, { withFileTypes: true })) {
      if (!r.isDirectory() || !/^[0-9a-f]{32}$/.test(r.name)) continue;
      runExperiment.set(r.name, id);
      await importRun(repo, join(dir, r.name), r.name, runName, result);
    }
  }
  await importModels(repo, join(path, 'models'), result);
  return result;
}

async function importRun(
  repo: Repo,
  dir: string,
  id: string,
  experiment: string,
  result: ImportResult,
): Promise<void> {
  if (getRunRow(repo.store, id)) {
    result.runs.existing++;
    return;
  }
  const meta = existsSync(join(dir, 'meta.yaml')) ? readYaml(join(dir, 'meta.yaml')) : {};
  const tags = keyFiles(join(dir, 'tags')).map(
    ([k, abs]) => [k, readFileSync(abs, 'utf8')] as [string, string],
  );
  const name = text(
    meta.run_name,
    tags.find(([k]) => k === 'mlflow.runName')?.[1] ?? id.slice(0, 8),
  );
  const startMs = Number(meta.start_time ?? Date.now());
  const seq = insertRun(repo.store, { id, name, experiment, startMs, host: hostname() });
  const batch: RunBatch = {
    params: keyFiles(join(dir, 'params')).map(([k, abs]) => [k, readFileSync(abs, 'utf8')]),
    tags: tags.filter(([k]) => k !== 'mlflow.runName'),
    series: [],
    artifacts: [],
  };
  for (const [key, abs] of keyFiles(join(dir, 'metrics'))) {
    const lines = readFileSync(abs, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    const n = lines.length;
    const steps = new Float64Array(n);
    const ts = new Float64Array(n);
    const vals = new Float64Array(n);
    lines.forEach((l, i) => {
      const [t, v, s] = l.trim().split(/\s+/);
      ts[i] = Number(t);
      vals[i] = v === 'nan' || v === 'NaN' ? NaN : Number(v);
      steps[i] = Number(s ?? 0);
    });
    batch.series?.push({ key, n, steps, ts, vals });
    result.metricPoints += n;
  }
  const cache = cacheOf(repo);
  const hashes: string[] = [];
  for (const [rel, abs] of keyFiles(join(dir, 'artifacts'))) {
    const { hash, size } = await cache.ingestFile(abs);
    batch.artifacts?.push({ name: rel, hash, size, type: 'file' });
    hashes.push(hash);
    result.artifacts++;
  }
  addObjectRefs(
    repo.store,
    hashes.map((hash) => ({ kind: RUN_REF_KIND, owner: id, hash })),
  );
  const status = STATUS[text(meta.status, 'FINISHED')] ?? 'finished';
  const endMs =
    meta.end_time === undefined || meta.end_time === null ? startMs : Number(meta.end_time);
  // a run that was running when MLflow stopped is imported as killed: nothing will end it
  finishRun(repo.store, seq, { status: status === 'running' ? 'killed' : status, endMs }, batch);
  if (meta.lifecycle_stage === 'deleted') setRunLifecycle(repo.store, seq, 'deleted', endMs);
  result.runs.imported++;
}

async function importModels(repo: Repo, dir: string, result: ImportResult): Promise<void> {
  if (!existsSync(dir)) return;
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
  for (const m of readdirSync(dir, { withFileTypes: true })) {
    if (!m.isDirectory()) continue;
    const mdir = join(dir, m.name);
    const meta = existsSync(join(mdir, 'meta.yaml')) ? readYaml(join(mdir, 'meta.yaml')) : {};
    const name = text(meta.name, m.name);
    const created = await call('POST', 'registered-models/create', {
      name,
      description: meta.description ?? undefined,
    });
    if (
      created.status !== 200 &&
      (created.json.error_code as string) !== 'RESOURCE_ALREADY_EXISTS'
    ) {
      result.warnings.push(`model ${name}: ${String(created.json.message)}`);
      continue;
    }
    const versions = readdirSync(mdir, { withFileTypes: true })
      .filter((v) => v.isDirectory() && /^version-\d+$/.test(v.name))
      .map((v) => Number(v.name.slice(8)))
      .sort((a, b) => a - b);
    const numbers = new Map<number, string>();
    const before = countVersions(repo, name);
    for (const v of versions) {
      const vm = readYaml(join(mdir, `version-${v}`, 'meta.yaml'));
      const runId = typeof vm.run_id === 'string' && vm.run_id ? vm.run_id : undefined;
      const source = text(vm.source, '');
      // file-store sources are paths into a run's artifacts: register from the imported run
      const art = /([0-9a-f]{32})\/artifacts\/?(.*)$/.exec(source);
      const mlfSource = art ? `runs:/${art[1]}/${art[2]}` : source;
      const r = await call('POST', 'model-versions/create', {
        name,
        source: mlfSource,
        ...(runId && getRunRow(repo.store, runId) && { run_id: runId }),
        description: vm.description ?? undefined,
      });
      if (r.status !== 200) {
        result.warnings.push(`model ${name} version ${v}: ${String(r.json.message)}`);
        continue;
      }
      numbers.set(v, (r.json.model_version as { version: string }).version);
    }
    const after = countVersions(repo, name);
    result.versions.created += after - before;
    result.versions.existing += numbers.size - (after - before);
    for (const [alias, abs] of keyFiles(join(mdir, 'aliases'))) {
      const mlo = numbers.get(Number(readFileSync(abs, 'utf8').trim()));
      // an alias already there is not set again: a second import audits nothing
      if (mlo && getAliasRow(repo.store, name, alias)?.version !== Number(mlo))
        await call('POST', 'registered-models/alias', { name, alias, version: mlo });
    }
  }
}

function countVersions(repo: Repo, name: string): number {
  const m = getModelRow(repo.store, name);
  return m ? listVersionRows(repo.store, m.id).length : 0;
}

/** A YAML scalar as text (MLflow writes ids and statuses as numbers or strings). */
function text(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}
