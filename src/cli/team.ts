/** What the commands that record runs say after pushing them (`tracking: {push: REMOTE}`). */
import type { Repo } from '../index.js';
import { lib } from './common.js';
import { note, warn } from './render/output.js';

export async function pushAfterRun(repo: Repo): Promise<void> {
  const { pushIfConfigured, isMloError } = await lib();
  let r;
  try {
    r = await pushIfConfigured(repo);
  } catch (err) {
    // the run is recorded; a bad tracking.push setting must not turn it into a failure
    if (!isMloError(err)) throw err;
    warn(`runs not pushed: ${err.message}`);
    return;
  }
  if (!r) return;
  if (r.error) {
    warn(`${r.error}; ${r.queued} record(s) queued: the next \`mlo push ${r.remote}\` sends them`);
  } else if (r.pushed) {
    note(`mlo: pushed ${r.pushed} record(s) to ${r.remote}`);
  }
}
