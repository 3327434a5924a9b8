import type { Repo } from '../repo/index.js';

/** What every endpoint works with. */
export interface MlflowContext {
  repo: Repo;
  /**
   * Runs an mlo process owns (the in-run endpoint's run): a client's end_run or
   * status update does not end them; mlo ends them with the command's exit status.
   */
  ownedRunIds?: ReadonlySet<string>;
  /** who acts (audits); default MLO_USER, git's user, the OS user */
  who?: string;
}
