/** SQL for stored validation results (`mlo validate`), read back by promote and reports. */
import type { Store } from './open.js';

export interface ValidationRow {
  id: number;
  suite: string;
  suite_hash: string;
  data_path: string;
  data_hash: string;
  rows: number;
  success: number;
  evaluated: number;
  successful: number;
  unsuccessful: number;
  warnings: number;
  result: string;
  created_at: string;
}

export type NewValidationRow = Omit<ValidationRow, 'id'>;

export function insertValidation(store: Store, row: NewValidationRow): number {
  const info = store.db
    .prepare(
      `INSERT INTO validations (suite, suite_hash, data_path, data_hash, rows, success, evaluated,
         successful, unsuccessful, warnings, result, created_at)
       VALUES (@suite, @suite_hash, @data_path, @data_hash, @rows, @success, @evaluated,
         @successful, @unsuccessful, @warnings, @result, @created_at)`,
    )
    .run(row);
  return Number(info.lastInsertRowid);
}

export interface ValidationQuery {
  dataHash?: string;
  suiteHash?: string;
  suite?: string;
  dataPath?: string;
  /** newest first; default 50 */
  limit?: number;
}

/** Stored validations matching every given field, newest first. */
export function findValidations(store: Store, query: ValidationQuery = {}): ValidationRow[] {
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: query.limit ?? 50 };
  if (query.dataHash !== undefined) {
    where.push('data_hash = @dataHash');
    params.dataHash = query.dataHash;
  }
  if (query.suiteHash !== undefined) {
    where.push('suite_hash = @suiteHash');
    params.suiteHash = query.suiteHash;
  }
  if (query.suite !== undefined) {
    where.push('suite = @suite');
    params.suite = query.suite;
  }
  if (query.dataPath !== undefined) {
    where.push('data_path = @dataPath');
    params.dataPath = query.dataPath;
  }
  const sql = `SELECT * FROM validations ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY id DESC LIMIT @limit`;
  return store.db.prepare(sql).all(params) as ValidationRow[];
}

export function getValidation(store: Store, id: number): ValidationRow | undefined {
  return store.db.prepare('SELECT * FROM validations WHERE id = ?').get(id) as
    ValidationRow | undefined;
}
