/**
 * A remote stores cache objects by hash. Commands only use this interface, so a new
 * kind (S3, HTTP) is one more implementation chosen by the URL's scheme; the
 * transfer engine (engine.ts) adds concurrency, the remembered index and progress
 * on top of it, the same for every kind.
 */

/** An object as a listing shows it. */
export interface RemoteObject {
  hash: string;
  size: number;
  /** ms since the epoch, when the remote knows it (gc keeps recent objects) */
  mtimeMs?: number;
}

export interface TransferHooks {
  /** bytes moved, as they move (for a progress bar) */
  onBytes?: (n: number) => void;
}

/** Where `put` reads an object from: a local file, or bytes already in memory. */
export type PutSource = { path: string } | { data: Uint8Array };

export interface Remote {
  readonly name: string;
  readonly url: string;
  /**
   * Which of `objects` the remote holds whole (present with the given size; a
   * present object whose size differs is a remnant of a failed write, not a copy).
   * Bulk: an implementation lists where that costs fewer requests than asking
   * once per object.
   */
  has(objects: readonly { hash: string; size?: number }[]): Promise<Set<string>>;
  /**
   * Every object under the remote's root (for gc, status and fsck). `fanouts`
   * limits the listing to objects whose hash starts with one of those two-hex-digit
   * prefixes.
   */
  list(options?: { fanouts?: readonly string[] }): AsyncIterable<RemoteObject>;
  /**
   * Upload one object. The bytes are checked against `hash` (sha256) before the
   * object appears under its name: a corrupt source fails with INVALID and leaves
   * nothing behind. Atomic at the destination, and resumable where the kind allows
   * (an S3 multipart upload killed half-way continues from its last whole part).
   */
  put(hash: string, size: number, source: PutSource, hooks?: TransferHooks): Promise<void>;
  /**
   * Download one object into `dest` (a local temp path that does not exist yet) and
   * check its sha256 before returning: a bad copy throws INVALID and leaves nothing.
   * `size`, when known, lets a large object come down in parallel ranges, resuming
   * what a killed run fetched. Throws NOT_FOUND when the remote lacks it.
   */
  get(
    hash: string,
    dest: string,
    options?: TransferHooks & { size?: number },
  ): Promise<{ size: number }>;
  /** Download one small object into memory; NOT_FOUND when absent. */
  read(hash: string): Promise<Uint8Array>;
  /** Delete objects (gc). Absent ones are not an error. */
  delete(hashes: readonly string[]): Promise<void>;
  /**
   * An id that changes whenever objects may have been deleted from the remote
   * (gc writes a new one first). A client's remembered index of what the remote
   * holds is valid only while this stays the same.
   */
  readEpoch(): Promise<string>;
  /** Record a new epoch before deleting anything. */
  writeEpoch(epoch: string): Promise<void>;
  /**
   * Finish or abandon work a killed process left behind (S3: multipart uploads in
   * the local journal that are no longer wanted are aborted). Optional.
   */
  cleanup?(keep: ReadonlySet<string>): Promise<void>;
  /** Requests sent so far, by kind: for the `--json` summary and the request budget tests. */
  readonly requests: Record<string, number>;
  /** Requests sent again after a transient failure, so far. */
  readonly retries: number;
  /**
   * Remove what killed pushes from this machine left behind (temps whose owner is
   * dead, util/owner.ts). push calls it first. Returns how many were removed.
   */
  sweepTemps?(): Promise<number>;
  /** Release connections. */
  close(): void;
}

/** Options every remote kind is opened with. */
export interface RemoteOpenOptions {
  /** parallel requests at most (the engine's --jobs) */
  jobs: number;
  /** this repository's local state directory for the remote (journals, index) */
  stateDir: string;
  /** temp files go here (same file system as the cache) */
  tmpDir: string;
}
