/**
 * The registry for the UI: models, a version with its lineage as a graph (data → run
 * → model → alias → serving), the alias audit, stored evaluations with their slices,
 * and what a promotion would decide now (a dry run: nothing moves, nothing is audited).
 */
import { MloError } from '../errors.js';
import { evaluationFromRow, type EvaluationResult } from '../evaluate/index.js';
import { promote, type PromoteResult } from '../promote/index.js';
import {
  aliasHistory,
  getModelMeta,
  listModels,
  listVersions,
  registryHistory,
  showModel,
  type AliasEvent,
  type ModelDetail,
  type ModelMeta,
  type ModelSummary,
  type ModelVersion,
  type RegistryEvent,
} from '../registry/index.js';
import {
  getRunRow,
  listEvaluations,
  summarisePredictionLog,
  type PredictionLogSummaryRow,
} from '../store/index.js';
import type { UiContext } from './context.js';

export function modelsList(ctx: UiContext): (ModelSummary & { description: string | null })[] {
  return listModels(ctx.repo).map((m) => {
    let description: string | null = null;
    try {
      description = getModelMeta(ctx.repo, m.name).description;
    } catch {
      // a model deleted between the two reads
    }
    return { ...m, description };
  });
}

export interface UiModel {
  meta: ModelMeta;
  versions: ModelVersion[];
  /** every alias decision, oldest first */
  audit: AliasEvent[];
  /** tag, description and stage edits, oldest first */
  edits: RegistryEvent[];
  /** what the prediction log holds for this model */
  serving: PredictionLogSummaryRow[];
}

export function modelDetail(ctx: UiContext, name: string): UiModel {
  const meta = getModelMeta(ctx.repo, name);
  return {
    meta,
    versions: listVersions(ctx.repo, name),
    audit: aliasHistory(ctx.repo, name),
    edits: registryHistory(ctx.repo, name),
    serving: summarisePredictionLog(ctx.repo.store, { model: name }),
  };
}

export type LineageKind = 'data' | 'run' | 'model' | 'alias' | 'serving';

export interface LineageNode {
  id: string;
  kind: LineageKind;
  /** 0 data, 1 run, 2 model, 3 alias, 4 serving: the graph's columns */
  layer: number;
  label: string;
  detail: Record<string, string | number | boolean | null>;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: { from: string; to: string; label?: string }[];
}

const LAYER: Record<LineageKind, number> = { data: 0, run: 1, model: 2, alias: 3, serving: 4 };

export function lineageGraph(
  ctx: UiContext,
  v: ModelVersion,
  serving: readonly PredictionLogSummaryRow[],
): LineageGraph {
  const nodes: LineageNode[] = [];
  const edges: LineageGraph['edges'] = [];
  const add = (
    kind: LineageKind,
    id: string,
    label: string,
    detail: LineageNode['detail'],
  ): string => {
    if (!nodes.some((n) => n.id === id))
      nodes.push({ id, kind, layer: LAYER[kind], label, detail });
    return id;
  };
  const model = add('model', `model:${v.name}@${v.version}`, `${v.name} v${v.version}`, {
    hash: v.hash,
    format: v.format,
    created: v.createdAt,
    by: v.createdBy,
    commit: v.lineage.gitCommit,
  });
  let producer = model;
  if (v.lineage.runId) {
    const run = getRunRow(ctx.repo.store, v.lineage.runId);
    producer = add('run', `run:${v.lineage.runId}`, run?.name ?? v.lineage.runId.slice(0, 8), {
      id: v.lineage.runId,
      status: run?.status ?? 'deleted',
      stage: run?.stage ?? null,
      commit: run?.git_commit ?? v.lineage.gitCommit,
    });
    edges.push({ from: producer, to: model, label: 'produced' });
  }
  for (const input of v.lineage.inputs) {
    const d = add('data', `data:${input.path}@${input.hash ?? ''}`, input.path, {
      path: input.path,
      hash: input.hash,
    });
    edges.push({ from: d, to: producer, label: 'input' });
  }
  if (v.lineage.baselineData) {
    const b = v.lineage.baselineData;
    const d = add('data', `data:${b.path}@${b.hash}`, b.path, {
      path: b.path,
      hash: b.hash,
      target: b.target,
      baseline: true,
    });
    edges.push({ from: d, to: model, label: 'baseline' });
  }
  const aliasIds = v.aliases.map((a) => {
    const id = add('alias', `alias:${a}`, `@${a}`, { alias: a });
    edges.push({ from: model, to: id });
    return id;
  });
  for (const s of serving.filter((r) => r.version === v.version)) {
    const id = add('serving', `serving:${s.route ?? s.role}`, `served (${s.route ?? s.role})`, {
      rows: s.rows,
      role: s.role,
      first: new Date(s.first_ms).toISOString(),
      last: new Date(s.last_ms).toISOString(),
    });
    const from = s.route === 'main' && aliasIds.length ? aliasIds : [model];
    for (const f of from) edges.push({ from: f, to: id });
  }
  return { nodes, edges };
}

export interface UiVersion extends ModelDetail {
  /** stored evaluations in full (slices and their gaps), newest first */
  evaluationResults: EvaluationResult[];
  lineageGraph: LineageGraph;
}

export function versionDetail(ctx: UiContext, name: string, version: number): UiVersion {
  const detail = showModel(ctx.repo, `${name}@${version}`);
  const serving = summarisePredictionLog(ctx.repo.store, { model: name });
  return {
    ...detail,
    evaluationResults: listEvaluations(ctx.repo.store, detail.id).map(evaluationFromRow),
    lineageGraph: lineageGraph(ctx, detail, serving),
  };
}

/** `mlo promote NAME@V --to ALIAS --dry-run`: every gate decided, nothing changed. */
export async function promotionPreview(
  ctx: UiContext,
  name: string,
  version: number,
  body: unknown,
): Promise<PromoteResult> {
  const to = (body as { to?: unknown } | undefined)?.to;
  if (typeof to !== 'string' || to.trim() === '')
    throw new MloError('USAGE', 'give the alias to preview a promotion to: {"to": "champion"}');
  return promote(ctx.repo, { ref: `${name}@${version}`, to, dryRun: true });
}
