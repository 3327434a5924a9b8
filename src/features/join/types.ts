/** What a join engine is given and reports back. */
import type { SourceDef } from '../definitions.js';

export interface JoinSource {
  def: SourceDef;
  /** the table files, absolute */
  files: string[];
  /** for messages: `source NAME (path)` */
  shown: string;
}

export interface JoinInputs {
  entities: { file: string; shown: string };
  /** the entity time column; detected when undefined */
  timestamp?: string;
  /** by view name */
  sources: Record<string, JoinSource>;
  asOfCreated: boolean;
  /** the repository's temp directory, for engines that spill */
  tmpDir: string;
}

export interface JoinStats {
  /** entity rows */
  rows: number;
  /** view → entity rows that found a value */
  matched: Record<string, number>;
  /** cells that did not fit their declared type (read as nulls) */
  mismatches: { file: string; column: string; cells: number }[];
}
