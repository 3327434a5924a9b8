/** The registry's records as the library hands them out, built from store rows. */
import type { ModelSignature } from '../onnx/index.js';
import type { AliasEventRow, ModelVersionRow } from '../store/index.js';
import type { GateResult } from './gates/index.js';

export type ModelFormat = 'onnx' | 'mlflow' | 'file';

/** Where the feature names of a version came from. */
export type FeaturesSource = 'flag' | 'metadata' | 'baseline-data' | 'inputs';

export interface Lineage {
  /** the tracking run that produced the model */
  runId: string | null;
  /** HEAD of the repository when the model was registered (or the run's commit) */
  gitCommit: string | null;
  /** tracked files had uncommitted changes */
  gitDirty: boolean | null;
  /** the run's input files with their data hashes when it started */
  inputs: { path: string; hash: string | null }[];
  /** the data the feature names (and the drift baseline) were taken from */
  baselineData: { path: string; hash: string; target: string | null } | null;
  /** the run's params when the version was registered (copied, as MLflow shows them) */
  params: Record<string, string>;
}

/** One registered model version: what the server, eval and promote work from. */
export interface ModelVersion {
  name: string;
  version: number;
  /** sha256 of the ONNX bytes; the cache object holding them */
  hash: string;
  size: number;
  createdAt: string;
  createdBy: string;
  /** the file it was registered from, as given */
  source: string | null;
  signature: ModelSignature;
  /** the model's input features by name, in input order; null when unknown */
  features: string[] | null;
  featuresSource: FeaturesSource | null;
  /** metrics given at registration (`--metric k=v`) */
  metrics: Record<string, number>;
  tags: Record<string, string>;
  lineage: Lineage;
  /** aliases pointing at this version now */
  aliases: string[];
  /**
   * 'onnx' (evaluated, served, gated); 'mlflow' (an MLmodel directory without an
   * onnx flavor) or 'file' (a pickle or other file) are kept as artifacts with lineage
   */
  format: ModelFormat;
  description: string | null;
  /** MLflow's stage (None, Staging, Production, Archived) */
  stage: string;
  /** internal row id (stable; evaluations refer to it) */
  id: number;
}

export interface AliasEvent {
  seq: number;
  name: string;
  alias: string;
  action: AliasEventRow['action'];
  outcome: AliasEventRow['outcome'];
  fromVersion: number | null;
  toVersion: number | null;
  who: string;
  at: string;
  gitCommit: string | null;
  gates: GateResult[] | null;
  /** data evaluated, dry-run flag, reasons ... whatever the action recorded */
  detail: Record<string, unknown> | null;
}

export function versionFromRow(row: ModelVersionRow, aliases: string[]): ModelVersion {
  return {
    name: row.name,
    version: row.version,
    hash: row.hash,
    size: row.size,
    createdAt: new Date(row.created_ms).toISOString(),
    createdBy: row.created_by,
    source: row.source,
    signature: JSON.parse(row.signature_json) as ModelSignature,
    features: row.features_json === null ? null : (JSON.parse(row.features_json) as string[]),
    featuresSource: row.features_source as FeaturesSource | null,
    metrics: JSON.parse(row.metrics_json) as Record<string, number>,
    tags: JSON.parse(row.tags_json) as Record<string, string>,
    lineage: {
      runId: row.run_id,
      gitCommit: row.git_commit,
      gitDirty: row.git_dirty === null ? null : row.git_dirty === 1,
      inputs: [],
      baselineData: null,
      params: {},
      ...(JSON.parse(row.lineage_json) as Partial<Lineage>),
    },
    aliases,
    format: (row.format ?? 'onnx') as ModelFormat,
    description: row.description ?? null,
    stage: row.stage ?? 'None',
    id: row.id,
  };
}

export function eventFromRow(row: AliasEventRow): AliasEvent {
  return {
    seq: row.seq,
    name: row.name,
    alias: row.alias,
    action: row.action,
    outcome: row.outcome,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    who: row.who,
    at: new Date(row.at_ms).toISOString(),
    gitCommit: row.git_commit,
    gates: row.gates_json === null ? null : (JSON.parse(row.gates_json) as GateResult[]),
    detail:
      row.detail_json === null ? null : (JSON.parse(row.detail_json) as Record<string, unknown>),
  };
}
