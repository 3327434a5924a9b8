/**
 * Experiments, runs and metric history (service.proto's MlflowService) onto mlo's
 * store: MLflow runs are mlo runs with the same 32-hex ids; every log call is one
 * batch written in one transaction, as mlo's own writer does.
 */
import { hostname } from 'node:os';
import {
  deleteRunTagRow,
  getExperimentRow,
  getExperimentRowByName,
  getParamValues,
  getRunRow,
  insertExperimentRow,
  insertRun,
  listExperimentRows,
  metricSeries,
  queryRunRows,
  renameExperimentRow,
  setExperimentLifecycle,
  setExperimentTagRow,
  setRunLifecycle,
  updateRunInfoRow,
  writeRunBatch,
  type ExperimentRow,
  type RunBatch,
  type RunRow,
  type SeriesBatch,
} from '../store/index.js';
import { assertRunWritable, keyProblem, newRunId, randomRunName } from '../tracking/index.js';
import type { MlflowContext } from './context.js';
import { exists, invalid, notFound } from './errors.js';
import {
  experimentJson,
  MLO_STATUS,
  runInfoJson,
  runJson,
  metricValue,
  type RunRecord,
} from './entities.js';
import {
  decodePageToken,
  encodePageToken,
  keyValues,
  list,
  maxResults,
  optInt,
  optString,
  reqDouble,
  reqString,
  runIdOf,
  stringList,
  type Fields,
} from './fields.js';
import { compileRecordFilter, recordOrder, runFilter, runOrderBy } from './search.js';

const MAX_PARAM_VALUE = 6000;
const MAX_TAG_VALUE = 8000;
export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 };

// ---- experiments ----

function experimentById(ctx: MlflowContext, f: Fields): ExperimentRow {
  const raw = reqString(f, 'experiment_id');
  const id = /^\d+$/.test(raw) ? Number(raw) : NaN;
  const row = Number.isSafeInteger(id) ? getExperimentRow(ctx.repo.store, id) : undefined;
  if (!row) throw notFound(`Could not find experiment with ID ${raw}`);
  return row;
}

function checkExperimentName(name: string): void {
  if (name.length > 500 || name.trim() === '') throw invalid(`Invalid experiment name: '${name}'`);
}

export function createExperiment(ctx: MlflowContext, f: Fields): unknown {
  const name = reqString(f, 'name');
  checkExperimentName(name);
  const store = ctx.repo.store;
  if (getExperimentRowByName(store, name)?.name === name) {
    throw exists(`Experiment '${name}' already exists.`);
  }
  const tags = Object.fromEntries(keyValues(f, 'tags'));
  const id = insertExperimentRow(
    store,
    { name, artifactLocation: optString(f, 'artifact_location'), tags },
    Date.now(),
  );
  return { experiment_id: String(id) };
}

export function getExperiment(ctx: MlflowContext, f: Fields): unknown {
  return { experiment: experimentJson(experimentById(ctx, f)) };
}

export function getExperimentByName(ctx: MlflowContext, f: Fields): unknown {
  const name = reqString(f, 'experiment_name');
  const row = getExperimentRowByName(ctx.repo.store, name);
  if (!row || (row.name !== name && name !== 'default')) {
    throw notFound(`Could not find experiment with name '${name}'`);
  }
  return { experiment: experimentJson(row) };
}

const VIEW: Record<string, 'active' | 'deleted' | 'all'> = {
  ACTIVE_ONLY: 'active',
  '1': 'active',
  DELETED_ONLY: 'deleted',
  '2': 'deleted',
  ALL: 'all',
  '3': 'all',
};

function viewType(f: Fields, key: string): 'active' | 'deleted' | 'all' {
  const v = optString(f, key) ?? 'ACTIVE_ONLY';
  const view = VIEW[v];
  if (!view) throw invalid(`Invalid value '${v}' for parameter '${key}'`);
  return view;
}

export function searchExperiments(ctx: MlflowContext, f: Fields): unknown {
  const view = viewType(f, 'view_type');
  const match = compileRecordFilter(optString(f, 'filter'));
  const order = recordOrder<ExperimentRow>(
    stringList(f, 'order_by'),
    (e, col) =>
      col === 'name'
        ? e.name
        : col === 'experiment_id'
          ? e.id
          : col === 'creation_time'
            ? e.created_ms
            : col === 'last_update_time'
              ? e.updated_ms
              : undefined,
    (a, b) => b.created_ms - a.created_ms || b.id - a.id,
  );
  const rows = listExperimentRows(ctx.repo.store, view === 'all' ? undefined : view)
    .filter((e) => {
      const tags = JSON.parse(e.tags_json) as Record<string, string>;
      return match((field) => {
        if (field.kind === 'tag') return tags[field.key];
        if (field.kind === 'attr' && field.name === 'name') return e.name;
        if (field.kind === 'attr' && field.name === 'experiment') return String(e.id);
        return undefined;
      });
    })
    .sort(order);
  return page(rows, f, 1000, 50000, (e) => experimentJson(e), 'experiments');
}

/** MLflow 1.x's experiments/list (the npm client calls it): every experiment of a view. */
export function listExperiments(ctx: MlflowContext, f: Fields): unknown {
  const view = viewType(f, 'view_type');
  const rows = listExperimentRows(ctx.repo.store, view === 'all' ? undefined : view);
  return { experiments: rows.map(experimentJson) };
}

function page<T>(
  rows: T[],
  f: Fields,
  fallback: number,
  limit: number,
  json: (r: T) => unknown,
  key: string,
): Record<string, unknown> {
  const offset = decodePageToken(optString(f, 'page_token'));
  const n = maxResults(f, fallback, limit);
  const shown = rows.slice(offset, offset + n);
  return {
    [key]: shown.map(json),
    ...(offset + n < rows.length && { next_page_token: encodePageToken(offset + n) }),
  };
}

export function updateExperiment(ctx: MlflowContext, f: Fields): unknown {
  const e = experimentById(ctx, f);
  const name = optString(f, 'new_name');
  if (name !== undefined && name !== e.name) {
    checkExperimentName(name);
    if (getExperimentRowByName(ctx.repo.store, name)?.name === name) {
      throw exists(`Experiment '${name}' already exists.`);
    }
    // mlo's runs of experiment 0 keep their "default" name unless it is renamed
    renameExperimentRow(ctx.repo.store, e.id, name, Date.now());
  }
  return {};
}

export function deleteExperiment(ctx: MlflowContext, f: Fields): unknown {
  const e = experimentById(ctx, f);
  if (e.id === 0) throw invalid('Cannot delete the default experiment 0.');
  setExperimentLifecycle(ctx.repo.store, e.id, 'deleted', Date.now());
  return {};
}

export function restoreExperiment(ctx: MlflowContext, f: Fields): unknown {
  const e = experimentById(ctx, f);
  setExperimentLifecycle(ctx.repo.store, e.id, 'active', Date.now());
  return {};
}

export function setExperimentTag(ctx: MlflowContext, f: Fields): unknown {
  const e = experimentById(ctx, f);
  const key = reqString(f, 'key');
  checkKey(key, 'key');
  setExperimentTagRow(ctx.repo.store, e.id, key, optString(f, 'value') ?? '');
  return {};
}

// ---- runs ----

export function runRecord(ctx: MlflowContext, id: string): RunRecord & RunRow {
  const row = getRunRow(ctx.repo.store, id);
  if (!row) throw notFound(`Run with id=${id} not found`);
  return row;
}

/** A run this store may change: its own, not a copy pulled from a server. */
function writableRun(ctx: MlflowContext, id: string): RunRecord & RunRow {
  const row = runRecord(ctx, id);
  assertRunWritable(row);
  return row;
}

function activeRun(ctx: MlflowContext, id: string): RunRecord & RunRow {
  const row = writableRun(ctx, id);
  if (row.lifecycle !== 'active') {
    throw invalid(
      `The run ${id} must be in the 'active' state. Current state is ${row.lifecycle}.`,
    );
  }
  return row;
}

function checkKey(key: string, what: string): void {
  const problem = keyProblem(key);
  if (problem) throw invalid(`Invalid value '${key}' for parameter '${what}': ${problem}`);
  if (key.split('/').includes('..'))
    throw invalid(`Invalid value '${key}' for parameter '${what}'`);
}

export function createRun(ctx: MlflowContext, f: Fields): unknown {
  const store = ctx.repo.store;
  const expRaw = optString(f, 'experiment_id') ?? '0';
  const expId = /^\d+$/.test(expRaw) ? Number(expRaw) : NaN;
  const exp = Number.isSafeInteger(expId) ? getExperimentRow(store, expId) : undefined;
  if (!exp) throw notFound(`Could not find experiment with ID ${expRaw}`);
  if (exp.lifecycle !== 'active') {
    throw invalid(
      `The experiment ${exp.id} must be in the 'active' state. Current state is deleted.`,
    );
  }
  const tags = keyValues(f, 'tags');
  for (const [k, v] of tags) checkTag(k, v);
  const tagName = tags.find(([k]) => k === 'mlflow.runName')?.[1];
  const name = optString(f, 'run_name') ?? tagName ?? randomRunName();
  const userId = optString(f, 'user_id');
  if (userId && !tags.some(([k]) => k === 'mlflow.user')) tags.push(['mlflow.user', userId]);
  const id = newRunId();
  const startMs = optInt(f, 'start_time') ?? Date.now();
  // mlo's runs of experiment 0 are filed as "default" (its mlo name)
  const expName = exp.id === 0 && exp.name === 'Default' ? 'default' : exp.name;
  const seq = insertRun(store, { id, name, experiment: expName, startMs, host: hostname() });
  if (tags.length)
    writeRunBatch(store, seq, { tags: tags.filter(([k]) => k !== 'mlflow.runName') });
  return { run: runJson(store, runRecord(ctx, id)) };
}

export function getRunEndpoint(ctx: MlflowContext, f: Fields): unknown {
  return { run: runJson(ctx.repo.store, runRecord(ctx, runIdOf(f))) };
}

export function updateRun(ctx: MlflowContext, f: Fields): unknown {
  const id = runIdOf(f);
  const row = writableRun(ctx, id);
  const status = optString(f, 'status');
  if (status !== undefined && MLO_STATUS[status] === undefined) {
    throw invalid(`Invalid value '${status}' for parameter 'status'`);
  }
  const name = optString(f, 'run_name');
  const owned = ctx.ownedRunIds?.has(id) ?? false;
  const endTime = optInt(f, 'end_time');
  updateRunInfoRow(ctx.repo.store, row.seq, {
    name,
    // a run mlo started is ended by mlo, with the command's exit status
    ...(!owned && status !== undefined && { status: MLO_STATUS[status] }),
    ...(!owned &&
      status !== undefined && {
        endMs: MLO_STATUS[status] === 'running' ? (endTime ?? null) : (endTime ?? Date.now()),
      }),
  });
  return { run_info: runInfoJson(runRecord(ctx, id)) };
}

export function deleteRun(ctx: MlflowContext, f: Fields): unknown {
  const row = writableRun(ctx, runIdOf(f));
  setRunLifecycle(ctx.repo.store, row.seq, 'deleted', Date.now());
  return {};
}

export function restoreRun(ctx: MlflowContext, f: Fields): unknown {
  const row = writableRun(ctx, runIdOf(f));
  setRunLifecycle(ctx.repo.store, row.seq, 'active', Date.now());
  return {};
}

function checkTag(key: string, value: string): void {
  checkKey(key, 'key');
  if (value.length > MAX_TAG_VALUE) {
    throw invalid(`Tag value for key '${key}' exceeds the maximum length of ${MAX_TAG_VALUE}`);
  }
}

interface MetricIn {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

function metricOf(o: Fields, label: string): MetricIn {
  const key = reqString(o, 'key');
  checkKey(key, `${label}.key`);
  let value = reqDouble(o, 'value', `${label}.value`);
  // MLflow's SQL store keeps infinities as the largest doubles; so does mlo
  if (value === Infinity) value = Number.MAX_VALUE;
  else if (value === -Infinity) value = -Number.MAX_VALUE;
  const timestamp = optInt(o, 'timestamp');
  if (timestamp === undefined)
    throw invalid(`Missing value for required parameter '${label}.timestamp'.`);
  return { key, value, timestamp, step: optInt(o, 'step') ?? 0 };
}

function seriesOf(metrics: MetricIn[]): SeriesBatch[] {
  const byKey = new Map<string, MetricIn[]>();
  for (const m of metrics) {
    let l = byKey.get(m.key);
    if (!l) byKey.set(m.key, (l = []));
    l.push(m);
  }
  return [...byKey].map(([key, points]) => {
    const n = points.length;
    const steps = new Float64Array(n);
    const ts = new Float64Array(n);
    const vals = new Float64Array(n);
    points.forEach((p, i) => {
      steps[i] = p.step;
      ts[i] = p.timestamp;
      vals[i] = p.value;
    });
    return { key, n, steps, ts, vals };
  });
}

/** Params never change once logged: the same value again is fine, another is refused. */
function checkParams(
  ctx: MlflowContext,
  seq: number,
  runId: string,
  params: [string, string][],
): [string, string][] {
  const seen = new Map<string, string>();
  for (const [k, v] of params) {
    checkKey(k, 'key');
    if (v.length > MAX_PARAM_VALUE) {
      throw invalid(`Param value for key '${k}' exceeds the maximum length of ${MAX_PARAM_VALUE}`);
    }
    const before = seen.get(k);
    if (before !== undefined && before !== v) {
      throw invalid(`Duplicate parameter keys with different values in one request: '${k}'`);
    }
    seen.set(k, v);
  }
  const stored = getParamValues(ctx.repo.store, seq, [...seen.keys()]);
  for (const [k, v] of seen) {
    const old = stored.get(k);
    if (old !== undefined && old !== v) {
      throw invalid(
        `Changing param values is not allowed. Param with key='${k}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${v}'.`,
      );
    }
  }
  return [...seen].filter(([k]) => !stored.has(k));
}

export function logMetric(ctx: MlflowContext, f: Fields): unknown {
  const row = activeRun(ctx, runIdOf(f));
  writeRunBatch(ctx.repo.store, row.seq, { series: seriesOf([metricOf(f, 'metric')]) });
  return {};
}

export function logParam(ctx: MlflowContext, f: Fields): unknown {
  const id = runIdOf(f);
  const row = activeRun(ctx, id);
  const fresh = checkParams(ctx, row.seq, id, [[reqString(f, 'key'), optString(f, 'value') ?? '']]);
  if (fresh.length) writeRunBatch(ctx.repo.store, row.seq, { params: fresh });
  return {};
}

export function setTag(ctx: MlflowContext, f: Fields): unknown {
  const row = activeRun(ctx, runIdOf(f));
  const key = reqString(f, 'key');
  const value = optString(f, 'value') ?? '';
  checkTag(key, value);
  writeTags(ctx, row, [[key, value]]);
  return {};
}

/** `mlflow.runName` renames the run (MLflow keeps the name in that tag). */
function writeTags(ctx: MlflowContext, row: RunRecord, tags: [string, string][]): void {
  const rest = tags.filter(([k, v]) => {
    if (k !== 'mlflow.runName') return true;
    updateRunInfoRow(ctx.repo.store, row.seq, { name: v });
    return false;
  });
  if (rest.length) writeRunBatch(ctx.repo.store, row.seq, { tags: rest });
}

export function deleteTag(ctx: MlflowContext, f: Fields): unknown {
  const id = runIdOf(f);
  const row = activeRun(ctx, id);
  const key = reqString(f, 'key');
  if (!deleteRunTagRow(ctx.repo.store, row.seq, key)) {
    throw notFound(`No tag with name: ${key} in run with id ${id}`);
  }
  return {};
}

export function logBatch(ctx: MlflowContext, f: Fields): unknown {
  const id = runIdOf(f);
  const metrics = list(f, 'metrics');
  const params = keyValues(f, 'params');
  const tags = keyValues(f, 'tags');
  const L = BATCH_LIMITS;
  if (metrics.length > L.metrics || params.length > L.params || tags.length > L.tags) {
    throw invalid(
      `A batch logging request can contain at most ${L.metrics} metrics, ${L.params} params and ${L.tags} tags; got ${metrics.length} metrics, ${params.length} params and ${tags.length} tags`,
    );
  }
  if (metrics.length + params.length + tags.length > L.total) {
    throw invalid(`A batch logging request can contain at most ${L.total} entities in total`);
  }
  const row = activeRun(ctx, id);
  const parsed = metrics.map((m, i) => metricOf((m ?? {}) as Fields, `metrics[${i}]`));
  for (const [k, v] of tags) checkTag(k, v);
  const fresh = checkParams(ctx, row.seq, id, params);
  const batch: RunBatch = { series: seriesOf(parsed), params: fresh };
  writeRunBatch(ctx.repo.store, row.seq, batch);
  if (tags.length) writeTags(ctx, row, tags);
  return {};
}

export function getMetricHistory(ctx: MlflowContext, f: Fields): unknown {
  const row = runRecord(ctx, runIdOf(f));
  const key = reqString(f, 'metric_key');
  const points = metricSeries(ctx.repo.store, row.seq, key);
  const offset = decodePageToken(optString(f, 'page_token'));
  const n = optInt(f, 'max_results');
  const shown = n === undefined ? points.slice(offset) : points.slice(offset, offset + n);
  return {
    metrics: shown.map((p) => ({
      key,
      value: metricValue(p.value),
      timestamp: p.ts,
      step: p.step,
    })),
    ...(n !== undefined &&
      offset + n < points.length && { next_page_token: encodePageToken(offset + n) }),
  };
}

export function searchRuns(ctx: MlflowContext, f: Fields): unknown {
  const ids = stringList(f, 'experiment_ids').map((x) => {
    if (!/^\d+$/.test(x)) throw invalid(`Invalid experiment id '${x}'`);
    return Number(x);
  });
  const view = viewType(f, 'run_view_type');
  const filter = runFilter(optString(f, 'filter'));
  const sort = runOrderBy(stringList(f, 'order_by'));
  const offset = decodePageToken(optString(f, 'page_token'));
  const n = maxResults(f, 1000, 50000);
  const { rows, total } = queryRunRows(ctx.repo.store, {
    experimentIds: ids,
    filter,
    sort,
    lifecycle: view,
    limit: offset + n,
    exactTotal: false,
  });
  const shown = rows.slice(offset);
  return {
    runs: shown.map((r) => runJson(ctx.repo.store, runRecord(ctx, r.id))),
    ...(offset + n < total && { next_page_token: encodePageToken(offset + n) }),
  };
}

/** MLflow 2's log-inputs (datasets): accepted and kept as run tags, as mlo has no dataset records. */
export function logInputs(ctx: MlflowContext, f: Fields): unknown {
  const row = activeRun(ctx, runIdOf(f));
  const tags: [string, string][] = [];
  for (const d of list(f, 'datasets')) {
    const ds = ((d ?? {}) as Fields).dataset as Fields | undefined;
    const name = ds && optString(ds, 'name');
    const digest = ds && optString(ds, 'digest');
    if (name) tags.push([`mlflow.dataset.${name}`, digest ?? '']);
  }
  if (tags.length) writeRunBatch(ctx.repo.store, row.seq, { tags });
  return {};
}

/** MLflow 2's log-model (the MLmodel summary a run logged): kept as the tag MLflow uses. */
export function logModel(ctx: MlflowContext, f: Fields): unknown {
  const row = activeRun(ctx, runIdOf(f));
  const modelJson = optString(f, 'model_json');
  if (modelJson === undefined) throw invalid("Missing value for required parameter 'model_json'.");
  let entry: unknown;
  try {
    entry = JSON.parse(modelJson);
  } catch {
    throw invalid(`Malformed model info. \n ${modelJson.slice(0, 200)}`);
  }
  const prev = (JSON.parse(row.tags_json) as Record<string, string>)['mlflow.log-model.history'];
  const history = prev ? (JSON.parse(prev) as unknown[]) : [];
  history.push(entry);
  writeRunBatch(ctx.repo.store, row.seq, {
    tags: [['mlflow.log-model.history', JSON.stringify(history).slice(0, MAX_TAG_VALUE)]],
  });
  return {};
}
