/**
 * Artifacts: the proxy of mlflow_artifacts.proto (`/api/2.0/mlflow-artifacts/artifacts`,
 * PUT/GET/DELETE and list) and service.proto's artifacts/list, over mlo's content
 * cache. A run's artifact URI is `mlflow-artifacts:/<experiment>/<run>/artifacts`;
 * its files are the run's mlo artifacts, named by their path under that root, so
 * `mlo runs show` lists what a client logged. A logged model (MLflow 3) has its own
 * root, `<experiment>/models/<model_id>/artifacts`.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { cacheOf } from '../data/index.js';
import {
  addObjectRefs,
  deleteArtifactFileRows,
  deleteRunArtifactRows,
  getLoggedModelRow,
  getRunRow,
  listArtifactFileRows,
  listArtifactRows,
  putArtifactFileRow,
  writeRunBatch,
  type RunRow,
} from '../store/index.js';
import { assertRunWritable, RUN_REF_KIND } from '../tracking/index.js';
import type { MlflowContext } from './context.js';
import { invalid, notFound } from './errors.js';
import { optString, runIdOf, type Fields } from './fields.js';
import { runArtifactUri } from './entities.js';

/** object_refs kind keeping a logged model's files alive for gc */
export const LOGGED_MODEL_REF_KIND = 'mlflow-model';
const MAX_PATH = 1000;

export interface SourceFile {
  path: string;
  hash: string;
  size: number;
}

type Root = { kind: 'run'; run: RunRow } | { kind: 'model'; id: string; experimentId: number };

function checkPath(path: string): string[] {
  // eslint-disable-next-line no-control-regex
  if (path.length > MAX_PATH || /[\u0000-\u001f\u007f\\]/.test(path))
    throw invalid(`Invalid artifact path: '${path}'`);
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '..' || p === '.')) throw invalid(`Invalid artifact path: '${path}'`);
  return parts;
}

/** `0/<run>/artifacts/a/b` or `0/models/<id>/artifacts/a/b` → its root and the rest. */
function resolveArtifactPath(ctx: MlflowContext, path: string): { root: Root; rest: string } {
  const parts = checkPath(path);
  if (
    parts.length >= 3 &&
    /^\d+$/.test(parts[0]) &&
    /^[0-9a-f]{32}$/.test(parts[1]) &&
    parts[2] === 'artifacts'
  ) {
    const run = getRunRow(ctx.repo.store, parts[1]);
    if (!run) throw notFound(`Run with id=${parts[1]} not found`);
    return { root: { kind: 'run', run }, rest: parts.slice(3).join('/') };
  }
  if (
    parts.length >= 4 &&
    /^\d+$/.test(parts[0]) &&
    parts[1] === 'models' &&
    parts[3] === 'artifacts'
  ) {
    const lm = getLoggedModelRow(ctx.repo.store, parts[2]);
    if (!lm) throw notFound(`Logged model with id=${parts[2]} not found`);
    return {
      root: { kind: 'model', id: lm.id, experimentId: lm.experiment_id },
      rest: parts.slice(4).join('/'),
    };
  }
  throw invalid(`Artifact path '${path}' is not under a run's or a logged model's artifact root`);
}

/** Every file under a root, directories logged by mlo expanded from their manifests. */
function filesOf(ctx: MlflowContext, root: Root): SourceFile[] {
  if (root.kind === 'model') return listArtifactFileRows(ctx.repo.store, `models/${root.id}`);
  const cache = cacheOf(ctx.repo);
  const out: SourceFile[] = [];
  for (const a of listArtifactRows(ctx.repo.store, root.run.seq)) {
    if (a.type === 'file') out.push({ path: a.name, hash: a.hash, size: a.size });
    else if (cache.has(a.hash)) {
      for (const e of cache.readManifest(a.hash))
        out.push({ path: `${a.name}/${e.path}`, hash: e.hash, size: e.size });
    }
  }
  return out;
}

/** Files at `rest` (itself a file) or below it, with paths relative to `rest`. */
function filesUnder(files: SourceFile[], rest: string): SourceFile[] {
  if (rest === '') return files;
  const exact = files.find((f) => f.path === rest);
  if (exact) return [{ ...exact, path: rest.split('/').pop() as string }];
  const prefix = `${rest}/`;
  return files
    .filter((f) => f.path.startsWith(prefix))
    .map((f) => ({ ...f, path: f.path.slice(prefix.length) }));
}

/** The immediate children of `rest`: names, sizes of files, directories flagged. */
function listing(
  files: SourceFile[],
  rest: string,
): { path: string; is_dir: boolean; file_size?: number }[] {
  const prefix = rest === '' ? '' : `${rest}/`;
  const seen = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    const tail = f.path.slice(prefix.length);
    const slash = tail.indexOf('/');
    const name = slash < 0 ? tail : tail.slice(0, slash);
    if (seen.has(name)) continue;
    seen.set(
      name,
      slash < 0 ? { path: name, is_dir: false, file_size: f.size } : { path: name, is_dir: true },
    );
  }
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The content a model version source names (see registry.ts). */
export function sourceFiles(
  ctx: MlflowContext,
  source: string,
  modelId: string | undefined,
): SourceFile[] {
  const runs = /^runs:\/([0-9a-f]{32})\/?(.*)$/.exec(source);
  if (runs) {
    const run = getRunRow(ctx.repo.store, runs[1]);
    if (!run) throw notFound(`Run with id=${runs[1]} not found`);
    return filesUnder(filesOf(ctx, { kind: 'run', run }), checkPath(runs[2]).join('/'));
  }
  const proxied = /^mlflow-artifacts:\/\/?(?:[^/]*@?[^/]*:\d+\/)?(.*)$/.exec(source);
  if (proxied) {
    const { root, rest } = resolveArtifactPath(ctx, proxied[1]);
    return filesUnder(filesOf(ctx, root), rest);
  }
  const models = /^models:\/(m-[0-9a-f]+)\/?$/.exec(source);
  const id = models?.[1] ?? modelId;
  if (id !== undefined) {
    const lm = getLoggedModelRow(ctx.repo.store, id);
    if (!lm) throw notFound(`Logged model with id=${id} not found`);
    return filesOf(ctx, { kind: 'model', id, experimentId: lm.experiment_id });
  }
  // never a local path: a client must not make mlo read files of its choosing
  throw invalid(
    `Unsupported model version source '${source}': use runs:/RUN_ID/PATH, mlflow-artifacts:/... or models:/MODEL_ID`,
  );
}

// ---- the proxy ----

/** PUT: the body is streamed into the cache (hashed on the way), then recorded. */
export async function uploadArtifact(
  ctx: MlflowContext,
  path: string,
  body: AsyncIterable<Uint8Array>,
): Promise<unknown> {
  const { root, rest } = resolveArtifactPath(ctx, path);
  if (rest === '') throw invalid('An artifact path must name a file under the artifact root');
  if (root.kind === 'run') assertRunWritable(root.run);
  if (root.kind === 'run' && root.run.lifecycle !== 'active') {
    throw invalid(`The run ${root.run.id} must be in the 'active' state.`);
  }
  const cache = cacheOf(ctx.repo);
  const tmp = join(cache.ensureTmp(), `mlflow-${randomBytes(8).toString('hex')}`);
  const hasher = createHash('sha256');
  let size = 0;
  try {
    await pipeline(
      body,
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          hasher.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(tmp),
    );
    const hash = hasher.digest('hex');
    cache.adoptTemp(hash, tmp);
    if (root.kind === 'run') {
      writeRunBatch(ctx.repo.store, root.run.seq, {
        artifacts: [{ name: rest, hash, size, type: 'file' }],
      });
      addObjectRefs(ctx.repo.store, [{ kind: RUN_REF_KIND, owner: root.run.id, hash }]);
    } else {
      putArtifactFileRow(ctx.repo.store, `models/${root.id}`, { path: rest, hash, size });
      addObjectRefs(ctx.repo.store, [{ kind: LOGGED_MODEL_REF_KIND, owner: root.id, hash }]);
    }
  } finally {
    await rm(tmp, { force: true });
  }
  return {};
}

export function downloadArtifact(ctx: MlflowContext, path: string): Buffer {
  const { root, rest } = resolveArtifactPath(ctx, path);
  const file = filesOf(ctx, root).find((f) => f.path === rest);
  if (!file) throw notFound(`Artifact '${path}' not found`);
  return cacheOf(ctx.repo).read(file.hash);
}

export function deleteArtifact(ctx: MlflowContext, path: string): unknown {
  const { root, rest } = resolveArtifactPath(ctx, path);
  if (root.kind === 'run') assertRunWritable(root.run);
  const n =
    root.kind === 'run'
      ? deleteRunArtifactRows(ctx.repo.store, root.run.seq, rest)
      : deleteArtifactFileRows(ctx.repo.store, `models/${root.id}`, rest);
  if (n === 0) throw notFound(`Artifact '${path}' not found`);
  return {};
}

/** GET .../mlflow-artifacts/artifacts?path=P: the children of P (names). */
export function listProxyArtifacts(ctx: MlflowContext, f: Fields): unknown {
  const path = optString(f, 'path') ?? '';
  if (checkPath(path).length === 0) return { files: [] };
  let resolved;
  try {
    resolved = resolveArtifactPath(ctx, path);
  } catch (err) {
    // listing a place with nothing in it is an empty listing, as MLflow's is
    if ((err as { code?: string }).code === 'RESOURCE_DOES_NOT_EXIST') return { files: [] };
    throw err;
  }
  const files = listing(filesOf(ctx, resolved.root), resolved.rest);
  return files.length ? { files } : {};
}

/** GET /api/2.0/mlflow/artifacts/list?run_id&path: paths relative to the run's root. */
export function listRunArtifacts(ctx: MlflowContext, f: Fields): unknown {
  const id = runIdOf(f);
  const run = getRunRow(ctx.repo.store, id);
  if (!run) throw notFound(`Run with id=${id} not found`);
  const rest = checkPath(optString(f, 'path') ?? '').join('/');
  const prefix = rest === '' ? '' : `${rest}/`;
  const files = listing(filesOf(ctx, { kind: 'run', run }), rest).map((x) => ({
    ...x,
    path: prefix + x.path,
  }));
  return { root_uri: runArtifactUri(run.experiment_id ?? 0, run.id), files };
}
