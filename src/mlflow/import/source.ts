/**
 * What an MLflow reader hands to the ingest: plain records, with each run's metric
 * history and artifact files produced lazily, so that a run already imported costs
 * no history fetch and no download. A file store and a tracking server are readers.
 */

export interface SourceExperiment {
  name: string;
  creationMs?: number;
  tags: Record<string, string>;
  deleted: boolean;
  runs(): AsyncIterable<SourceRun>;
}

export interface SourceSeries {
  key: string;
  steps: Float64Array;
  ts: Float64Array;
  vals: Float64Array;
}

/** A file to ingest: `file` is a local path the reader may delete once the ingest moves on. */
export interface SourceArtifact {
  path: string;
  file: string;
}

export interface SourceRun {
  /** 32 hex digits, kept as the mlo run id */
  id: string;
  name?: string;
  startMs?: number;
  endMs?: number;
  /** MLflow's status: a name (FINISHED) or its enum number (3) */
  status: string;
  deleted: boolean;
  params: [string, string][];
  tags: [string, string][];
  metrics(): AsyncIterable<SourceSeries>;
  artifacts(): AsyncIterable<SourceArtifact>;
}

export interface SourceVersion {
  version: number;
  /** MLflow's source URI, as the reader found it */
  source: string;
  runId?: string;
  description?: string;
}

export interface SourceModel {
  name: string;
  description?: string;
  versions: SourceVersion[];
  aliases: { alias: string; version: number }[];
}

export interface MlflowSource {
  experiments(): AsyncIterable<SourceExperiment>;
  models(): AsyncIterable<SourceModel>;
}

/** Run ids as MLflow makes them; anything else is refused before it reaches a path or URL. */
export const RUN_ID = /^[0-9a-f]{32}$/;
