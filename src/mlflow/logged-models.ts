/**
 * MLflow 3's logged models (`/mlflow/logged-models`), answered as far as
 * `log_model` and `register_model` use them: create, get, finalize, tags, params,
 * search, delete, and the run's model outputs. Their files live under their own
 * artifact root (artifacts.ts); registering `models:/<id>` reads them from there.
 */
import { randomBytes } from 'node:crypto';
import {
  deleteLoggedModelRow,
  getExperimentRow,
  getLoggedModelRow,
  getRunRow,
  insertLoggedModelRow,
  listLoggedModelRows,
  updateLoggedModelRow,
  type LoggedModelRow,
} from '../store/index.js';
import type { MlflowContext } from './context.js';
import { invalid, notFound } from './errors.js';
import { loggedModelJson } from './entities.js';
import {
  decodePageToken,
  encodePageToken,
  keyValues,
  list,
  maxResults,
  optInt,
  optString,
  reqString,
  runIdOf,
  stringList,
  type Fields,
} from './fields.js';
import { compileRecordFilter } from './search.js';

const STATUSES = ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'];

function model(ctx: MlflowContext, id: string): LoggedModelRow {
  const row = getLoggedModelRow(ctx.repo.store, id);
  if (!row) throw notFound(`Logged model with ID '${id}' not found.`);
  return row;
}

export function createLoggedModel(ctx: MlflowContext, f: Fields): unknown {
  const expRaw = reqString(f, 'experiment_id');
  const exp = /^\d+$/.test(expRaw) ? getExperimentRow(ctx.repo.store, Number(expRaw)) : undefined;
  if (!exp) throw notFound(`Could not find experiment with ID ${expRaw}`);
  const runId = optString(f, 'source_run_id');
  if (runId !== undefined && !getRunRow(ctx.repo.store, runId))
    throw notFound(`Run with id=${runId} not found`);
  const id = `m-${randomBytes(16).toString('hex')}`;
  const now = Date.now();
  insertLoggedModelRow(ctx.repo.store, {
    id,
    experiment_id: exp.id,
    run_id: runId ?? null,
    name: optString(f, 'name') ?? id,
    model_type: optString(f, 'model_type') ?? null,
    status: 'LOGGED_MODEL_PENDING',
    created_ms: now,
    updated_ms: now,
    tags_json: JSON.stringify(Object.fromEntries(keyValues(f, 'tags'))),
    params_json: JSON.stringify(Object.fromEntries(keyValues(f, 'params'))),
    step: 0,
  });
  return { model: loggedModelJson(model(ctx, id)) };
}

export function getLoggedModel(ctx: MlflowContext, id: string): unknown {
  return { model: loggedModelJson(model(ctx, id)) };
}

export function finalizeLoggedModel(ctx: MlflowContext, id: string, f: Fields): unknown {
  model(ctx, id);
  const status = reqString(f, 'status');
  if (!STATUSES.includes(status)) throw invalid(`Invalid value '${status}' for parameter 'status'`);
  updateLoggedModelRow(ctx.repo.store, id, { status }, Date.now());
  return { model: loggedModelJson(model(ctx, id)) };
}

export function deleteLoggedModel(ctx: MlflowContext, id: string): unknown {
  model(ctx, id);
  deleteLoggedModelRow(ctx.repo.store, id);
  return {};
}

export function setLoggedModelTags(ctx: MlflowContext, id: string, f: Fields): unknown {
  const row = model(ctx, id);
  const tags = {
    ...(JSON.parse(row.tags_json) as Record<string, string>),
    ...Object.fromEntries(keyValues(f, 'tags')),
  };
  updateLoggedModelRow(ctx.repo.store, id, { tags_json: JSON.stringify(tags) }, Date.now());
  return {};
}

export function deleteLoggedModelTag(ctx: MlflowContext, id: string, key: string): unknown {
  const row = model(ctx, id);
  const tags = JSON.parse(row.tags_json) as Record<string, string>;
  if (!(key in tags)) throw notFound(`No tag with key '${key}' on logged model ${id}`);
  delete tags[key];
  updateLoggedModelRow(ctx.repo.store, id, { tags_json: JSON.stringify(tags) }, Date.now());
  return {};
}

export function logLoggedModelParams(ctx: MlflowContext, id: string, f: Fields): unknown {
  const row = model(ctx, id);
  const params = {
    ...(JSON.parse(row.params_json) as Record<string, string>),
    ...Object.fromEntries(keyValues(f, 'params')),
  };
  updateLoggedModelRow(ctx.repo.store, id, { params_json: JSON.stringify(params) }, Date.now());
  return {};
}

export function searchLoggedModels(ctx: MlflowContext, f: Fields): unknown {
  const ids = stringList(f, 'experiment_ids').map(Number).filter(Number.isSafeInteger);
  const match = compileRecordFilter(optString(f, 'filter'));
  const rows = listLoggedModelRows(ctx.repo.store, { experimentIds: ids }).filter((m) => {
    const tags = JSON.parse(m.tags_json) as Record<string, string>;
    return match((field) => {
      if (field.kind === 'tag') return tags[field.key];
      if (field.kind === 'param')
        return (JSON.parse(m.params_json) as Record<string, string>)[field.key];
      if (field.kind === 'attr' && field.name === 'name') return m.name;
      if (field.kind === 'attr' && field.name === 'id') return m.id;
      return undefined;
    });
  });
  const offset = decodePageToken(optString(f, 'page_token'));
  const n = maxResults(f, 100, 1000);
  return {
    models: rows.slice(offset, offset + n).map(loggedModelJson),
    ...(offset + n < rows.length && { next_page_token: encodePageToken(offset + n) }),
  };
}

/** POST runs/outputs: the models a run logged, with the step they were logged at. */
export function logOutputs(ctx: MlflowContext, f: Fields): unknown {
  const runId = runIdOf(f);
  if (!getRunRow(ctx.repo.store, runId)) throw notFound(`Run with id=${runId} not found`);
  for (const m of list(f, 'models')) {
    const o = (m ?? {}) as Fields;
    const id = reqString(o, 'model_id');
    model(ctx, id);
    updateLoggedModelRow(ctx.repo.store, id, { step: optInt(o, 'step') ?? 0 }, Date.now());
  }
  return {};
}
