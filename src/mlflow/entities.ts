/**
 * mlo's records as MLflow's JSON entities (service.proto, model_registry.proto):
 * exactly the fields MLflow's clients read, int64 times in milliseconds as numbers.
 */
import type { ModelVersion } from '../registry/index.js';
import {
  latestMetrics,
  listAliasRows,
  listLoggedModelRows,
  type ExperimentRow,
  type LoggedModelRow,
  type RunRow,
  type Store,
} from '../store/index.js';

export const MLFLOW_STATUS: Record<string, string> = {
  running: 'RUNNING',
  finished: 'FINISHED',
  failed: 'FAILED',
  killed: 'KILLED',
};

export const MLO_STATUS: Record<string, 'running' | 'finished' | 'failed' | 'killed'> = {
  RUNNING: 'running',
  SCHEDULED: 'running',
  FINISHED: 'finished',
  FAILED: 'failed',
  KILLED: 'killed',
};

const kv = (o: Record<string, string>): { key: string; value: string }[] =>
  Object.entries(o).map(([key, value]) => ({ key, value }));

/** NaN travels as the string "NaN", as protobuf's JSON writes it (the store keeps it as null). */
export const metricValue = (v: number | null): number | string =>
  v === null || Number.isNaN(v)
    ? 'NaN'
    : v === Infinity
      ? 'Infinity'
      : v === -Infinity
        ? '-Infinity'
        : v;

export function experimentJson(e: ExperimentRow): Record<string, unknown> {
  return {
    experiment_id: String(e.id),
    name: e.name,
    artifact_location: e.artifact_location ?? `mlflow-artifacts:/${e.id}`,
    lifecycle_stage: e.lifecycle,
    last_update_time: e.updated_ms,
    creation_time: e.created_ms,
    tags: kv(JSON.parse(e.tags_json) as Record<string, string>),
  };
}

export type RunRecord = Pick<
  RunRow,
  'seq' | 'id' | 'name' | 'status' | 'start_ms' | 'end_ms' | 'params_json' | 'tags_json'
> & { experiment_id: number | null; lifecycle: string };

export function runArtifactUri(experimentId: number, runId: string): string {
  return `mlflow-artifacts:/${experimentId}/${runId}/artifacts`;
}

export function runInfoJson(r: RunRecord): Record<string, unknown> {
  const tags = JSON.parse(r.tags_json) as Record<string, string>;
  const exp = r.experiment_id ?? 0;
  return {
    run_id: r.id,
    run_uuid: r.id,
    run_name: r.name,
    experiment_id: String(exp),
    user_id: tags['mlflow.user'] ?? '',
    status: MLFLOW_STATUS[r.status] ?? 'RUNNING',
    start_time: r.start_ms,
    ...(r.end_ms !== null && { end_time: r.end_ms }),
    artifact_uri: runArtifactUri(exp, r.id),
    lifecycle_stage: r.lifecycle,
  };
}

export function runJson(store: Store, r: RunRecord): Record<string, unknown> {
  const tags = JSON.parse(r.tags_json) as Record<string, string>;
  // MLflow keeps the run name as a tag too; clients read either
  if (tags['mlflow.runName'] === undefined) tags['mlflow.runName'] = r.name;
  const metrics = latestMetrics(store, r.seq).map((m) => ({
    key: m.key,
    value: metricValue(m.value),
    timestamp: m.ts,
    step: m.step,
  }));
  const models = listLoggedModelRows(store, { runId: r.id });
  return {
    info: runInfoJson(r),
    data: {
      metrics,
      params: kv(JSON.parse(r.params_json) as Record<string, string>),
      tags: kv(tags),
    },
    inputs: { dataset_inputs: [] },
    outputs: { model_outputs: models.map((m) => ({ model_id: m.id, step: m.step })) },
  };
}

export function modelVersionJson(v: ModelVersion, runExists = true): Record<string, unknown> {
  const createdMs = Date.parse(v.createdAt);
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: createdMs,
    last_updated_timestamp: createdMs,
    current_stage: v.stage,
    description: v.description ?? '',
    source: v.source ?? '',
    run_id: runExists ? (v.lineage.runId ?? '') : '',
    status: 'READY',
    tags: kv(v.tags),
    run_link: '',
    aliases: v.aliases,
  };
}

export function registeredModelJson(
  store: Store,
  m: {
    id: number;
    name: string;
    createdMs: number;
    updatedMs: number;
    description: string | null;
    tags: Record<string, string>;
  },
  latest: ModelVersion[],
): Record<string, unknown> {
  return {
    name: m.name,
    creation_timestamp: m.createdMs,
    last_updated_timestamp: m.updatedMs,
    description: m.description ?? '',
    latest_versions: latest.map((v) => modelVersionJson(v)),
    tags: kv(m.tags),
    aliases: listAliasRows(store, m.id).map((a) => ({
      alias: a.alias,
      version: String(a.version),
    })),
  };
}

export function loggedModelJson(m: LoggedModelRow): Record<string, unknown> {
  const tags = JSON.parse(m.tags_json) as Record<string, string>;
  const params = JSON.parse(m.params_json) as Record<string, string>;
  return {
    info: {
      model_id: m.id,
      experiment_id: String(m.experiment_id),
      name: m.name,
      creation_timestamp_ms: m.created_ms,
      last_updated_timestamp_ms: m.updated_ms,
      artifact_uri: `mlflow-artifacts:/${m.experiment_id}/models/${m.id}/artifacts`,
      status: m.status,
      ...(m.model_type !== null && { model_type: m.model_type }),
      ...(m.run_id !== null && { source_run_id: m.run_id }),
      tags: kv(tags),
    },
    data: { params: kv(params), metrics: [] },
  };
}
