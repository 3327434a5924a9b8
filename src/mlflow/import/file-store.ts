/**
 * Reads an MLflow file store (`mlruns/`): `<experiment>/meta.yaml`, `<experiment>/<run>/`
 * with meta.yaml, metrics as "timestamp value step" lines, params and tags as files
 * (keys nested with '/'), artifacts, and `models/<name>/version-N/` with aliases.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MloError } from '../../errors.js';
import {
  RUN_ID,
  type MlflowSource,
  type SourceExperiment,
  type SourceModel,
  type SourceRun,
  type SourceSeries,
} from './source.js';

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

const keyValues = (dir: string): [string, string][] =>
  keyFiles(dir).map(([k, abs]) => [k, readFileSync(abs, 'utf8')]);

/** A YAML scalar as text (MLflow writes ids and statuses as numbers or strings). */
function text(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
}

const optNumber = (v: unknown): number | undefined =>
  v === undefined || v === null ? undefined : Number(v);

export function openFileStore(path: string): MlflowSource {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st?.isDirectory())
    throw new MloError('NOT_FOUND', `${path}: no such directory (an MLflow mlruns/ store)`);
  const expDirs = readdirSync(path, { withFileTypes: true }).filter(
    (e) => e.isDirectory() && /^\d+$/.test(e.name) && existsSync(join(path, e.name, 'meta.yaml')),
  );
  if (expDirs.length === 0 && !existsSync(join(path, 'models'))) {
    throw new MloError('INVALID', `${path}: no MLflow experiments here (expected <id>/meta.yaml)`, {
      hint: 'point at the mlruns/ directory MLflow wrote',
    });
  }
  return {
    async *experiments() {
      for (const e of expDirs) yield readExperiment(join(path, e.name), e.name);
    },
    async *models() {
      const dir = join(path, 'models');
      if (!existsSync(dir)) return;
      for (const m of readdirSync(dir, { withFileTypes: true }))
        if (m.isDirectory()) yield readModel(join(dir, m.name), m.name);
    },
  };
}

function readExperiment(dir: string, dirName: string): SourceExperiment {
  const meta = readYaml(join(dir, 'meta.yaml'));
  return {
    name: text(meta.name, dirName),
    creationMs: optNumber(meta.creation_time),
    tags: Object.fromEntries(keyValues(join(dir, 'tags'))),
    // deleted experiments live in .trash, not here
    deleted: false,
    async *runs() {
      for (const r of readdirSync(dir, { withFileTypes: true }))
        if (r.isDirectory() && RUN_ID.test(r.name)) yield readRun(join(dir, r.name), r.name);
    },
  };
}

function readRun(dir: string, id: string): SourceRun {
  const meta = existsSync(join(dir, 'meta.yaml')) ? readYaml(join(dir, 'meta.yaml')) : {};
  return {
    id,
    name: typeof meta.run_name === 'string' ? meta.run_name : undefined,
    startMs: optNumber(meta.start_time),
    endMs: optNumber(meta.end_time),
    status: text(meta.status, 'FINISHED'),
    deleted: meta.lifecycle_stage === 'deleted',
    params: keyValues(join(dir, 'params')),
    tags: keyValues(join(dir, 'tags')),
    async *metrics() {
      for (const [key, abs] of keyFiles(join(dir, 'metrics'))) yield readSeries(key, abs);
    },
    async *artifacts() {
      for (const [path, file] of keyFiles(join(dir, 'artifacts'))) yield { path, file };
    },
  };
}

function readSeries(key: string, abs: string): SourceSeries {
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
  return { key, steps, ts, vals };
}

function readModel(dir: string, dirName: string): SourceModel {
  const meta = existsSync(join(dir, 'meta.yaml')) ? readYaml(join(dir, 'meta.yaml')) : {};
  const versions = readdirSync(dir, { withFileTypes: true })
    .filter((v) => v.isDirectory() && /^version-\d+$/.test(v.name))
    .map((v) => {
      const vm = readYaml(join(dir, v.name, 'meta.yaml'));
      return {
        version: Number(v.name.slice(8)),
        source: text(vm.source, ''),
        runId: typeof vm.run_id === 'string' && vm.run_id ? vm.run_id : undefined,
        description: typeof vm.description === 'string' ? vm.description : undefined,
      };
    });
  return {
    name: text(meta.name, dirName),
    description: typeof meta.description === 'string' ? meta.description : undefined,
    versions,
    aliases: keyValues(join(dir, 'aliases')).map(([alias, v]) => ({
      alias,
      version: Number(v.trim()),
    })),
  };
}
