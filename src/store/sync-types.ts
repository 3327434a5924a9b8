/**
 * The shapes records travel in between stores (`mlo push`/`pull`, a server's change
 * feed), and how applying one can end. Each record kind's codec is in sync-*.ts.
 */

/** Record kinds, in the order a store's change log names them (sync_log.kind). */
export const RECORD_KINDS = [
  'run',
  'model',
  'version',
  'alias_event',
  'registry_event',
  'evaluation',
  'baseline',
  'drift_report',
  'validation',
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface SyncRecord {
  kind: RecordKind;
  /** the global id: a run's id, a gid elsewhere */
  key: string;
  /** the store that created it */
  origin: string;
  /** the record as JSON; absent when it was deleted (a tombstone) */
  data?: Record<string, unknown>;
  deleted?: boolean;
}

/** How a copy is being written. */
export interface ApplyContext {
  /** the origin to store on the copy */
  origin: string;
  /**
   * push: a server takes records from the store that created them (an existing copy
   * must carry the same origin); pull: a store takes a server's records (a record
   * created here is never overwritten).
   */
  mode: 'push' | 'pull';
}

export type ApplyOutcome =
  | { status: 'applied' }
  | { status: 'unchanged' }
  /** nothing written, and nothing wrong: a record of this store, or a deleted record absent here */
  | { status: 'skipped'; reason: string }
  /** a record it depends on is not here yet (a pull keeps it and tries again) */
  | { status: 'pending'; reason: string }
  /** never acceptable as it is (another store's record, a name taken) */
  | { status: 'refused'; reason: string };

export const APPLIED: ApplyOutcome = { status: 'applied' };
export const UNCHANGED: ApplyOutcome = { status: 'unchanged' };

/**
 * Whether a copy may replace the row that holds the record now (`existing` is that
 * row's origin column: null when the row was created in this store).
 */
export function ownership(existing: string | null, ctx: ApplyContext): ApplyOutcome | undefined {
  if (ctx.mode === 'push') {
    if (existing !== ctx.origin) {
      return { status: 'refused', reason: 'another store created this record' };
    }
    return undefined;
  }
  if (existing === null) return { status: 'skipped', reason: 'created in this store' };
  return undefined;
}

export const b64 = (b: Buffer | Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

export const unb64 = (s: unknown, what: string): Buffer => {
  if (typeof s !== 'string') throw new TypeError(`${what}: expected base64 text`);
  return Buffer.from(s, 'base64');
};
