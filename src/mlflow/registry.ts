/**
 * Registered models and model versions (model_registry.proto) onto mlo's registry.
 * A version's content comes from the run artifacts or logged model its source names;
 * an MLmodel directory with an onnx flavor becomes an ONNX version (evaluated,
 * served, gated), anything else is kept as an artifact with its lineage. Versions are
 * READY at once. Alias moves go through mlo's audited alias calls.
 */
import { MloError } from '../errors.js';
import { cacheOf, encodeManifest } from '../data/index.js';
import {
  checkModelName,
  deleteModel,
  deleteModelVersion,
  describeRegistry,
  getModelMeta,
  getVersion,
  insertCachedVersion,
  listVersions,
  mlmodelOnnxFile,
  registerModel,
  removeAlias,
  removeRegistryTag,
  renameModel,
  resolveModel,
  setAlias,
  setRegistryTag,
  setVersionStage,
  type ModelVersion,
} from '../registry/index.js';
import {
  ensureModelRow,
  getModelRow,
  getRunRow,
  listModelRows,
  withWriteLock,
} from '../store/index.js';
import { getRun } from '../tracking/index.js';
import type { MlflowContext } from './context.js';
import { exists, invalid, notFound } from './errors.js';
import { modelVersionJson, registeredModelJson } from './entities.js';
import {
  decodePageToken,
  encodePageToken,
  keyValues,
  maxResults,
  optBool,
  optString,
  reqString,
  stringList,
  type Fields,
} from './fields.js';
import { sourceFiles, type SourceFile } from './artifacts.js';
import { compileRecordFilter, recordOrder } from './search.js';

function modelName(f: Fields, key = 'name'): string {
  const name = reqString(f, key);
  try {
    return checkModelName(name);
  } catch (err) {
    if (err instanceof MloError) throw invalid(err.message);
    throw err;
  }
}

function existingModel(ctx: MlflowContext, name: string): number {
  const row = getModelRow(ctx.repo.store, name);
  if (!row) throw notFound(`Registered Model with name=${name} not found`);
  return row.id;
}

function versionNumber(f: Fields): number {
  const raw = reqString(f, 'version');
  if (!/^\d+$/.test(raw)) throw invalid(`Parameter 'version' must be an integer, got '${raw}'.`);
  return Number(raw);
}

function version(ctx: MlflowContext, name: string, v: number): ModelVersion {
  existingModel(ctx, name);
  try {
    return getVersion(ctx.repo, name, v);
  } catch (err) {
    if (err instanceof MloError && err.code === 'NOT_FOUND') {
      throw notFound(`Model Version (name=${name}, version=${v}) not found`);
    }
    throw err;
  }
}

function registeredModel(ctx: MlflowContext, name: string): Record<string, unknown> {
  const id = existingModel(ctx, name);
  const meta = getModelMeta(ctx.repo, name);
  const versions = listVersions(ctx.repo, name);
  // MLflow's latest_versions: the newest version of each stage
  const latest = new Map<string, ModelVersion>();
  for (const v of versions) latest.set(v.stage, v);
  return registeredModelJson(
    ctx.repo.store,
    { id, ...meta },
    [...latest.values()].sort((a, b) => a.version - b.version),
  );
}

// ---- registered models ----

export async function createRegisteredModel(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  const store = ctx.repo.store;
  const created = withWriteLock(store, () => {
    if (getModelRow(store, name)) return false;
    ensureModelRow(store, name, Date.now());
    return true;
  });
  if (!created) throw exists(`Registered Model (name=${name}) already exists.`);
  for (const [k, v] of keyValues(f, 'tags'))
    await setRegistryTag(ctx.repo, { name, who: ctx.who }, k, v);
  const description = optString(f, 'description');
  if (description) await describeRegistry(ctx.repo, { name, who: ctx.who }, description);
  return { registered_model: registeredModel(ctx, name) };
}

export function getRegisteredModel(ctx: MlflowContext, f: Fields): unknown {
  return { registered_model: registeredModel(ctx, modelName(f)) };
}

export function searchRegisteredModels(ctx: MlflowContext, f: Fields): unknown {
  const match = compileRecordFilter(optString(f, 'filter'));
  const metas = listModelRows(ctx.repo.store).map((m) => getModelMeta(ctx.repo, m.name));
  const order = recordOrder<(typeof metas)[number]>(
    stringList(f, 'order_by'),
    (m, col) =>
      col === 'name'
        ? m.name
        : col === 'last_updated_timestamp'
          ? m.updatedMs
          : col === 'timestamp'
            ? m.createdMs
            : undefined,
    (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const rows = metas
    .filter((m) =>
      match((field) =>
        field.kind === 'tag'
          ? m.tags[field.key]
          : field.kind === 'attr' && field.name === 'name'
            ? m.name
            : undefined,
      ),
    )
    .sort(order);
  const offset = decodePageToken(optString(f, 'page_token'));
  const n = maxResults(f, 100, 1000);
  return {
    registered_models: rows.slice(offset, offset + n).map((m) => registeredModel(ctx, m.name)),
    ...(offset + n < rows.length && { next_page_token: encodePageToken(offset + n) }),
  };
}

export async function renameRegisteredModel(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  const newName = modelName(f, 'new_name');
  existingModel(ctx, name);
  if (getModelRow(ctx.repo.store, newName))
    throw exists(`Registered Model (name=${newName}) already exists.`);
  await renameModel(ctx.repo, name, newName, ctx.who);
  return { registered_model: registeredModel(ctx, newName) };
}

export async function updateRegisteredModel(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  existingModel(ctx, name);
  const description = optString(f, 'description');
  if (description !== undefined)
    await describeRegistry(ctx.repo, { name, who: ctx.who }, description);
  return { registered_model: registeredModel(ctx, name) };
}

export function deleteRegisteredModel(ctx: MlflowContext, f: Fields): unknown {
  const name = modelName(f);
  existingModel(ctx, name);
  deleteModel(ctx.repo, name);
  return {};
}

export async function setRegisteredModelTag(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  existingModel(ctx, name);
  await setRegistryTag(
    ctx.repo,
    { name, who: ctx.who },
    reqString(f, 'key'),
    optString(f, 'value') ?? '',
  );
  return {};
}

export async function deleteRegisteredModelTag(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  existingModel(ctx, name);
  await removeRegistryTag(ctx.repo, { name, who: ctx.who }, reqString(f, 'key'));
  return {};
}

export function getLatestVersions(ctx: MlflowContext, f: Fields): unknown {
  const name = modelName(f);
  existingModel(ctx, name);
  const stages = stringList(f, 'stages').map((s) => s.toLowerCase());
  const latest = new Map<string, ModelVersion>();
  for (const v of listVersions(ctx.repo, name)) latest.set(v.stage, v);
  const chosen = [...latest.values()].filter(
    (v) => stages.length === 0 || stages.includes(v.stage.toLowerCase()),
  );
  return { model_versions: chosen.map((v) => modelVersionJson(v)) };
}

// ---- aliases: audited like `mlo model alias set/rm` ----

export async function setRegisteredModelAlias(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  const v = versionNumber(f);
  version(ctx, name, v);
  await setAlias(ctx.repo, { name, alias: reqString(f, 'alias'), version: v });
  return {};
}

export async function deleteRegisteredModelAlias(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  existingModel(ctx, name);
  await removeAlias(ctx.repo, { name, alias: reqString(f, 'alias') });
  return {};
}

export function getModelVersionByAlias(ctx: MlflowContext, f: Fields): unknown {
  const name = modelName(f);
  existingModel(ctx, name);
  const alias = reqString(f, 'alias');
  try {
    return {
      model_version: modelVersionJson(
        resolveModel(ctx.repo, { name, kind: 'alias', alias, text: `${name}@${alias}` }),
      ),
    };
  } catch (err) {
    if (err instanceof MloError && err.code === 'NOT_FOUND') {
      throw notFound(`Registered model alias ${alias} not found.`);
    }
    throw err;
  }
}

// ---- model versions ----

/** The content a version source names, as cache objects (never a local path). */
function contentOf(ctx: MlflowContext, source: string, modelId: string | undefined): SourceFile[] {
  const files = sourceFiles(ctx, source, modelId);
  if (files.length === 0) {
    throw invalid(
      `Unable to find model files at source '${source}': register a run artifact (runs:/RUN_ID/PATH or mlflow-artifacts:/...) or a logged model (models:/MODEL_ID)`,
    );
  }
  return files;
}

export async function createModelVersion(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  existingModel(ctx, name);
  const source = reqString(f, 'source');
  const modelId = optString(f, 'model_id');
  const runId = optString(f, 'run_id');
  const run =
    runId !== undefined && getRunRow(ctx.repo.store, runId) ? getRun(ctx.repo, runId) : undefined;
  if (runId !== undefined && !run) throw notFound(`Run with id=${runId} not found`);
  const tags = Object.fromEntries(keyValues(f, 'tags'));
  const description = optString(f, 'description');
  const files = contentOf(ctx, source, modelId);
  const cache = cacheOf(ctx.repo);
  const mlmodel = files.find((x) => x.path === 'MLmodel');
  const onnxRel = mlmodel ? mlmodelOnnxFile(cache.read(mlmodel.hash).toString('utf8')) : null;
  const onnx =
    (onnxRel !== null ? files.find((x) => x.path === onnxRel) : undefined) ??
    (files.length === 1 && files[0].path.toLowerCase().endsWith('.onnx') ? files[0] : undefined);
  let number: number;
  if (onnx) {
    const r = await registerModel(ctx.repo, {
      name,
      path: cache.ensureLoose(onnx.hash),
      runId: run?.id,
      tags,
      description,
      sourceLabel: source,
      who: ctx.who,
    });
    number = r.model.version;
  } else {
    const single = files.length === 1 && !mlmodel;
    const manifest = single
      ? undefined
      : encodeManifest(files.map((x) => ({ path: x.path, hash: x.hash, size: x.size })));
    if (manifest) cache.putBuffer(manifest.hash, manifest.bytes);
    const r = await insertCachedVersion(ctx.repo, {
      name,
      hash: manifest ? manifest.hash : files[0].hash,
      size: files.reduce((a, x) => a + x.size, 0),
      format: mlmodel ? 'mlflow' : 'file',
      source,
      run,
      tags,
      description: description ?? null,
      mlflowSource: source,
      objects: [...(manifest ? [manifest.hash] : []), ...files.map((x) => x.hash)],
      who: ctx.who,
    });
    number = r.version;
  }
  return { model_version: modelVersionJson(getVersion(ctx.repo, name, number)) };
}

export function getModelVersion(ctx: MlflowContext, f: Fields): unknown {
  const name = modelName(f);
  return { model_version: modelVersionJson(version(ctx, name, versionNumber(f))) };
}

export function searchModelVersions(ctx: MlflowContext, f: Fields): unknown {
  const match = compileRecordFilter(optString(f, 'filter'));
  const all = listModelRows(ctx.repo.store).flatMap((m) => listVersions(ctx.repo, m.name));
  const order = recordOrder<ModelVersion>(
    stringList(f, 'order_by'),
    (v, col) =>
      col === 'name'
        ? v.name
        : col === 'version_number'
          ? v.version
          : col === 'creation_timestamp' || col === 'last_updated_timestamp'
            ? Date.parse(v.createdAt)
            : undefined,
    (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : b.version - a.version),
  );
  const rows = all
    .filter((v) =>
      match((field) => {
        if (field.kind === 'tag') return v.tags[field.key];
        if (field.kind !== 'attr') return undefined;
        if (field.name === 'name') return v.name;
        if (field.name === 'id') return v.lineage.runId ?? undefined;
        return undefined;
      }),
    )
    .sort(order);
  const offset = decodePageToken(optString(f, 'page_token'));
  const n = maxResults(f, 10000, 200000);
  return {
    model_versions: rows.slice(offset, offset + n).map((v) => modelVersionJson(v)),
    ...(offset + n < rows.length && { next_page_token: encodePageToken(offset + n) }),
  };
}

export async function updateModelVersion(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  const v = versionNumber(f);
  version(ctx, name, v);
  const description = optString(f, 'description');
  if (description !== undefined)
    await describeRegistry(ctx.repo, { name, version: v, who: ctx.who }, description);
  return { model_version: modelVersionJson(getVersion(ctx.repo, name, v)) };
}

export function deleteModelVersionEndpoint(ctx: MlflowContext, f: Fields): unknown {
  const name = modelName(f);
  const v = versionNumber(f);
  version(ctx, name, v);
  deleteModelVersion(ctx.repo, name, v);
  return {};
}

export function getModelVersionDownloadUri(ctx: MlflowContext, f: Fields): unknown {
  const name = modelName(f);
  const v = version(ctx, name, versionNumber(f));
  return { artifact_uri: downloadUri(ctx, v) };
}

/** Where the version's files can be fetched through the artifact proxy. */
function downloadUri(ctx: MlflowContext, v: ModelVersion): string {
  const src = v.source ?? '';
  if (src.startsWith('mlflow-artifacts:')) return src;
  const runs = /^runs:\/([0-9a-f]{32})\/(.*)$/.exec(src);
  if (runs) {
    const row = getRunRow(ctx.repo.store, runs[1]) as { experiment_id?: number | null } | undefined;
    return `mlflow-artifacts:/${row?.experiment_id ?? 0}/${runs[1]}/artifacts/${runs[2]}`;
  }
  const models = /^models:\/(m-[0-9a-f]+)$/.exec(src);
  if (models) {
    const lm = ctx.repo.store.db
      .prepare('SELECT experiment_id FROM logged_models WHERE id = ?')
      .get(models[1]) as { experiment_id: number } | undefined;
    if (lm) return `mlflow-artifacts:/${lm.experiment_id}/models/${models[1]}/artifacts`;
  }
  return src;
}

export async function transitionModelVersionStage(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  const v = versionNumber(f);
  version(ctx, name, v);
  const stage = reqString(f, 'stage');
  try {
    await setVersionStage(ctx.repo, { name, version: v, who: ctx.who }, stage);
  } catch (err) {
    if (err instanceof MloError && err.code === 'USAGE') throw invalid(err.message);
    throw err;
  }
  const now = getVersion(ctx.repo, name, v);
  if (
    optBool(f, 'archive_existing_versions') &&
    (now.stage === 'Staging' || now.stage === 'Production')
  ) {
    for (const other of listVersions(ctx.repo, name)) {
      if (other.version !== v && other.stage === now.stage) {
        await setVersionStage(ctx.repo, { name, version: other.version, who: ctx.who }, 'Archived');
      }
    }
  }
  return { model_version: modelVersionJson(getVersion(ctx.repo, name, v)) };
}

export async function setModelVersionTag(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  const v = versionNumber(f);
  version(ctx, name, v);
  await setRegistryTag(
    ctx.repo,
    { name, version: v, who: ctx.who },
    reqString(f, 'key'),
    optString(f, 'value') ?? '',
  );
  return {};
}

export async function deleteModelVersionTag(ctx: MlflowContext, f: Fields): Promise<unknown> {
  const name = modelName(f);
  const v = versionNumber(f);
  version(ctx, name, v);
  await removeRegistryTag(ctx.repo, { name, version: v, who: ctx.who }, reqString(f, 'key'));
  return {};
}
