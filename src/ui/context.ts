import type { Repo } from '../repo/index.js';
import { RunTable } from './runs/table.js';

/** What every UI endpoint works with. */
export interface UiContext {
  repo: Repo;
  /** refuse what changes the store (a team server's read-only token) */
  readOnly: boolean;
  /** who acts, for audits */
  who?: string;
  /** runs as in-memory columns, shared by every request */
  table: RunTable;
}

export function createUiContext(options: {
  repo: Repo;
  readOnly?: boolean;
  who?: string;
}): UiContext {
  return {
    repo: options.repo,
    readOnly: options.readOnly ?? false,
    who: options.who,
    table: new RunTable(options.repo.store),
  };
}
