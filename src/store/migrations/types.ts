import type { Database } from 'better-sqlite3';

export interface Migration {
  /** 1, 2, 3 ... applied in order, each exactly once, inside one transaction. */
  version: number;
  name: string;
  /** SQL script, or a function for migrations that must move data. */
  up: string | ((db: Database) => void);
}
