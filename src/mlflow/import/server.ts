/**
 * Reads a tracking server through MLflow's REST API (service.proto, model_registry.proto,
 * mlflow_artifacts.proto): experiments/search and runs/search with view type ALL and
 * page tokens, metrics/get-history page by page, artifacts/list walked recursively,
 * each file downloaded to a temp file (through the artifacts proxy for
 * `mlflow-artifacts:` roots, else /get-artifact), registered-models/search and
 * model-versions/search.
 *
 * Everything the server answers is untrusted: ids and artifact paths are checked
 * before they reach a URL, a file name or the store, and what cannot be used is
 * skipped with a warning naming the run and the value.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MloError } from '../../errors.js';
import type { TrackingClient } from './client.js';
import {
  RUN_ID,
  type MlflowSource,
  type SourceArtifact,
  type SourceExperiment,
  type SourceModel,
  type SourceRun,
  type SourceSeries,
} from './source.js';

const PAGE = 1000;
const HISTORY_PAGE = 5000;
const VERSION_PAGE = 10000;
/** mlo's own limit on an artifact path (src/mlflow/artifacts.ts) */
const MAX_PATH = 1000;

type Doc = Record<string, unknown>;
type Warn = (message: string) => void;

const obj = (v: unknown): Doc =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : {};
const list = (v: unknown): Doc[] => (Array.isArray(v) ? v.map(obj) : []);
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
/** int64 fields come as numbers or (protobuf's JSON) strings */
function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function keyValues(v: unknown): [string, string][] {
  const out: [string, string][] = [];
  for (const kv of list(v)) {
    const key = str(kv.key);
    if (key) out.push([key, str(kv.value) ?? '']);
  }
  return out;
}

/** Every page of a search, following next_page_token. */
async function* pages(
  fetchPage: (token: string | undefined) => Promise<unknown>,
  field: string,
): AsyncGenerator<Doc> {
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const page = obj(await fetchPage(token));
    yield* list(page[field]);
    token = str(page.next_page_token) || undefined;
    // a server handing out the same token again would keep us here forever
    if (token !== undefined && seen.has(token)) return;
    if (token !== undefined) seen.add(token);
  } while (token !== undefined);
}

/** Why an artifact path from the server cannot be used, or undefined when it can. */
function badPath(path: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (path === '' || path.length > MAX_PATH || /[\u0000-\u001f\u007f\\]/.test(path))
    return 'not a relative path';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'an absolute path';
  const parts = path.split('/');
  if (parts.some((p) => p === '..')) return "a path with '..'";
  if (parts.some((p) => p === '' || p === '.')) return 'not a normal path';
  return undefined;
}

const encodePath = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

export interface ServerOptions {
  /** where downloads land before the ingest takes them (the cache's tmp dir) */
  tmpDir: string;
  warn: Warn;
}

export function openTrackingServer(client: TrackingClient, opts: ServerOptions): MlflowSource {
  return {
    async *experiments() {
      const experiments = pages(
        (page_token) =>
          client.post('experiments/search', { max_results: PAGE, view_type: 'ALL', page_token }),
        'experiments',
      );
      for await (const e of experiments) {
        const id = str(e.experiment_id);
        const name = str(e.name);
        if (!id || !name) {
          opts.warn(`${client.base}: an experiment without id or name was skipped`);
          continue;
        }
        yield experiment(client, opts, id, name, e);
      }
    },
    models: () => models(client, opts.warn),
  };
}

function experiment(
  client: TrackingClient,
  opts: ServerOptions,
  id: string,
  name: string,
  e: Doc,
): SourceExperiment {
  return {
    name,
    creationMs: num(e.creation_time),
    tags: Object.fromEntries(keyValues(e.tags)),
    deleted: e.lifecycle_stage === 'deleted',
    async *runs() {
      const runs = pages(
        (page_token) =>
          client.post('runs/search', {
            experiment_ids: [id],
            run_view_type: 'ALL',
            max_results: PAGE,
            page_token,
          }),
        'runs',
      );
      for await (const r of runs) {
        const info = obj(r.info);
        const runId = str(info.run_id) ?? str(info.run_uuid) ?? '';
        if (!RUN_ID.test(runId)) {
          opts.warn(`experiment ${name}: run id ${JSON.stringify(runId)} is not MLflow's; skipped`);
          continue;
        }
        yield run(client, opts, runId, info, obj(r.data));
      }
    },
  };
}

function run(
  client: TrackingClient,
  opts: ServerOptions,
  id: string,
  info: Doc,
  data: Doc,
): SourceRun {
  const metricKeys = [...new Set(list(data.metrics).flatMap((m) => str(m.key) ?? []))];
  return {
    id,
    name: str(info.run_name) || undefined,
    startMs: num(info.start_time),
    endMs: num(info.end_time),
    status: str(info.status) ?? 'FINISHED',
    deleted: info.lifecycle_stage === 'deleted',
    params: keyValues(data.params),
    tags: keyValues(data.tags),
    async *metrics() {
      for (const key of metricKeys) yield await history(client, id, key);
    },
    artifacts: () => artifacts(client, opts, id, str(info.artifact_uri) ?? ''),
  };
}

async function history(client: TrackingClient, runId: string, key: string): Promise<SourceSeries> {
  const steps: number[] = [];
  const ts: number[] = [];
  const vals: number[] = [];
  const points = pages(
    (page_token) =>
      client.get('metrics/get-history', {
        run_id: runId,
        metric_key: key,
        max_results: String(HISTORY_PAGE),
        page_token,
      }),
    'metrics',
  );
  for await (const p of points) {
    steps.push(num(p.step) ?? 0);
    ts.push(num(p.timestamp) ?? 0);
    // "NaN", "Infinity" and "-Infinity" arrive as strings, as protobuf's JSON writes them
    vals.push(typeof p.value === 'string' ? Number(p.value) : (num(p.value) ?? NaN));
  }
  return {
    key,
    steps: Float64Array.from(steps),
    ts: Float64Array.from(ts),
    vals: Float64Array.from(vals),
  };
}

/** The URL path a run's artifact downloads from: the proxy for `mlflow-artifacts:` roots. */
function downloadPath(
  runId: string,
  artifactUri: string,
  warn: Warn,
): ((p: string) => string) | undefined {
  if (!artifactUri.startsWith('mlflow-artifacts:'))
    return (p) => `/get-artifact?${new URLSearchParams({ path: p, run_uuid: runId }).toString()}`;
  // mlflow-artifacts:/1/<run>/artifacts or mlflow-artifacts://host:port/1/<run>/artifacts
  let root: string;
  try {
    root = decodeURIComponent(new URL(artifactUri).pathname).replace(/^\/+|\/+$/g, '');
  } catch {
    root = artifactUri;
  }
  const why = badPath(root);
  if (why) {
    warn(
      `run ${runId}: artifact root ${JSON.stringify(artifactUri)} is ${why}; its artifacts were skipped`,
    );
    return undefined;
  }
  return (p) => `/api/2.0/mlflow-artifacts/artifacts/${encodePath(`${root}/${p}`)}`;
}

async function* artifacts(
  client: TrackingClient,
  opts: ServerOptions,
  runId: string,
  artifactUri: string,
): AsyncGenerator<SourceArtifact> {
  const urlOf = downloadPath(runId, artifactUri, opts.warn);
  if (!urlOf) return;
  const dirs: (string | undefined)[] = [undefined];
  while (dirs.length > 0) {
    const dir = dirs.shift();
    const files = pages(
      (page_token) => client.get('artifacts/list', { run_id: runId, path: dir, page_token }),
      'files',
    );
    for await (const f of files) {
      const path = str(f.path) ?? '';
      const why =
        badPath(path) ??
        (dir !== undefined && !path.startsWith(`${dir}/`) ? `not under ${dir}/` : undefined);
      if (why) {
        opts.warn(`run ${runId}: artifact path ${JSON.stringify(path)} is ${why}; skipped`);
        continue;
      }
      if (f.is_dir === true) {
        dirs.push(path);
        continue;
      }
      const file = join(opts.tmpDir, `mlflow-import-${randomBytes(8).toString('hex')}`);
      try {
        try {
          await client.download(urlOf(path), file, num(f.file_size));
        } catch (err) {
          // a file listed but gone from the artifact store: the rest of the run still comes
          if (!(err instanceof MloError) || err.details?.status !== 404) throw err;
          opts.warn(
            `run ${runId}: artifact ${JSON.stringify(path)} is listed but not there (404); skipped`,
          );
          continue;
        }
        yield { path, file };
      } finally {
        await rm(file, { force: true });
      }
    }
  }
}

async function* models(client: TrackingClient, warn: Warn): AsyncGenerator<SourceModel> {
  // every version at once, grouped by model: no filter strings to quote model names into
  const byModel = new Map<string, Doc[]>();
  const versions = pages(
    (page_token) =>
      client.get('model-versions/search', { max_results: String(VERSION_PAGE), page_token }),
    'model_versions',
  );
  for await (const v of versions) {
    const name = str(v.name);
    if (name) byModel.set(name, [...(byModel.get(name) ?? []), v]);
  }
  const registered = pages(
    (page_token) =>
      client.get('registered-models/search', { max_results: String(PAGE), page_token }),
    'registered_models',
  );
  for await (const m of registered) {
    const name = str(m.name);
    if (!name) continue;
    const model: SourceModel = {
      name,
      description: str(m.description) || undefined,
      versions: [],
      aliases: [],
    };
    const aliases = new Map<string, number>();
    for (const a of list(m.aliases)) {
      const version = num(a.version);
      if (str(a.alias) && version !== undefined) aliases.set(str(a.alias) as string, version);
    }
    for (const v of byModel.get(name) ?? []) {
      const version = num(v.version);
      if (version === undefined || !Number.isInteger(version) || version < 1) {
        warn(
          `model ${name}: version ${JSON.stringify(v.version)} is not a version number; skipped`,
        );
        continue;
      }
      const runId = str(v.run_id);
      model.versions.push({
        version,
        source: str(v.source) ?? '',
        runId: runId && RUN_ID.test(runId) ? runId : undefined,
        description: str(v.description) || undefined,
      });
      for (const alias of Array.isArray(v.aliases) ? v.aliases : [])
        if (typeof alias === 'string' && alias) aliases.set(alias, version);
    }
    model.aliases = [...aliases].map(([alias, version]) => ({ alias, version }));
    yield model;
  }
}
