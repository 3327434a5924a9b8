/** `mlo model list` and `mlo model show`: reading the registry. */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import {
  getModelRow,
  listAliasEvents,
  listAliasRows,
  listEvaluations,
  listModelRows,
  listVersionRows,
  versionCounts,
  type EvaluationRow,
} from '../store/index.js';
import { eventFromRow, versionFromRow, type AliasEvent, type ModelVersion } from './records.js';
import { checkModelName, parseModelRef, type ModelRef } from './ref.js';
import { resolveModel } from './resolve.js';

export interface ModelSummary {
  name: string;
  versions: number;
  latestVersion: number;
  /** alias → version */
  aliases: Record<string, number>;
  createdAt: string;
  updatedAt: string;
}

export function listModels(repo: Repo): ModelSummary[] {
  const counts = versionCounts(repo.store);
  const aliases = new Map<string, Record<string, number>>();
  for (const a of listAliasRows(repo.store)) {
    let m = aliases.get(a.name);
    if (!m) aliases.set(a.name, (m = {}));
    m[a.alias] = a.version;
  }
  return listModelRows(repo.store).map((m) => {
    const c = counts.get(m.id);
    return {
      name: m.name,
      versions: c?.versions ?? 0,
      latestVersion: c?.latest ?? 0,
      aliases: aliases.get(m.name) ?? {},
      createdAt: new Date(m.created_ms).toISOString(),
      updatedAt: new Date(c?.latestMs ?? m.created_ms).toISOString(),
    };
  });
}

/** Every version of one model, oldest first. */
export function listVersions(repo: Repo, name: string): ModelVersion[] {
  const model = getModelRow(repo.store, checkModelName(name));
  if (!model) resolveModel(repo, name); // the NOT_FOUND with its hint
  const aliases = listAliasRows(repo.store, model?.id);
  return listVersionRows(repo.store, model?.id ?? 0).map((row) =>
    versionFromRow(
      row,
      aliases.filter((a) => a.version === row.version).map((a) => a.alias),
    ),
  );
}

/** An evaluation as `mlo model show` lists it (the full result is `mlo eval`'s). */
export interface EvaluationSummary {
  id: number;
  data: { path: string; hash: string };
  target: string;
  task: string;
  rows: number;
  metrics: Record<string, number | null>;
  createdAt: string;
}

export function evaluationSummary(row: EvaluationRow): EvaluationSummary {
  return {
    id: row.id,
    data: { path: row.data_path, hash: row.data_hash },
    target: row.target,
    task: row.task,
    rows: row.rows,
    metrics: JSON.parse(row.metrics_json) as Record<string, number | null>,
    createdAt: new Date(row.created_ms).toISOString(),
  };
}

export interface ModelDetail extends ModelVersion {
  /** newest first */
  evaluations: EvaluationSummary[];
  /** alias decisions about this version (and, for an alias reference, that alias), oldest first */
  aliasHistory: AliasEvent[];
}

export function showModel(repo: Repo, ref: string | ModelRef): ModelDetail {
  const r = typeof ref === 'string' ? parseModelRef(ref) : ref;
  const model = resolveModel(repo, r);
  const modelRow = getModelRow(repo.store, model.name);
  if (!modelRow) throw new MloError('NOT_FOUND', `no model named "${model.name}"`);
  const events = new Map<number, AliasEvent>();
  for (const e of listAliasEvents(repo.store, { modelId: modelRow.id, version: model.version })) {
    events.set(e.seq, eventFromRow(e));
  }
  if (r.kind === 'alias') {
    for (const e of listAliasEvents(repo.store, { modelId: modelRow.id, alias: r.alias })) {
      events.set(e.seq, eventFromRow(e));
    }
  }
  return {
    ...model,
    evaluations: listEvaluations(repo.store, model.id).map(evaluationSummary),
    aliasHistory: [...events.values()].sort((a, b) => a.seq - b.seq),
  };
}
