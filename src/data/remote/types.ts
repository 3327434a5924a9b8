/**
 * A remote stores cache objects by hash. Commands only use this interface, so a new
 * kind (S3, HTTP) is one more implementation chosen by the URL's scheme.
 */
export interface Remote {
  readonly name: string;
  readonly url: string;
  /** which of `hashes` the remote already holds, whole */
  has(hashes: string[]): Promise<Set<string>>;
  /**
   * Upload one object from a local file or buffer. Must be atomic at the
   * destination: after an interruption the object is either absent or whole.
   */
  put(hash: string, source: { path: string } | { data: Uint8Array }): Promise<void>;
  /** Download one object into `dest` (a local temp path that does not exist yet). */
  get(hash: string, dest: string): Promise<void>;
  /** Download one small object into memory (pull packs many small objects at once). */
  read(hash: string): Promise<Uint8Array>;
  /**
   * Remove what killed pushes from this machine left behind (temps whose owner is
   * dead, util/owner.ts). push calls it first. Returns how many were removed.
   */
  sweepTemps?(): Promise<number>;
}
