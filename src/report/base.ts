/**
 * The revision a report compares against: `--since REV`, else the merge-base of HEAD
 * with the default branch (what a pull request will be merged into), else HEAD.
 * simple-git is loaded only here, when a report is made.
 */
import { MloError } from '../errors.js';

/** Tried in order for the default branch; origin/HEAD names the remote's default when set. */
const DEFAULT_BRANCHES = ['origin/HEAD', 'origin/main', 'origin/master', 'main', 'master'];

export type BaseHow = 'since' | 'merge-base' | 'head';

export interface BaseRevision {
  available: true;
  /** the revision as given, or how it was found ("merge-base with main", "HEAD") */
  rev: string;
  how: BaseHow;
  /** the full commit id */
  commit: string;
  /** the first 7 characters of `commit`, as git shows it */
  short: string;
  /** the commit's committer time (ISO 8601): store entries older than this are left out */
  time: string;
  subject: string;
}

export interface NoBaseRevision {
  available: false;
  /** one line: "not a git repository", "the repository has no commits yet" */
  reason: string;
}

export type Base = BaseRevision | NoBaseRevision;

/**
 * Find the base revision of the git work tree at `gitRoot` (undefined: not in git).
 * A `since` that git does not know is a usage error naming --since.
 */
export async function resolveBase(gitRoot: string | undefined, since?: string): Promise<Base> {
  if (gitRoot === undefined) {
    if (since !== undefined) {
      throw new MloError(
        'USAGE',
        `--since ${since}: not a git repository, no revision to compare with`,
      );
    }
    return { available: false, reason: 'not a git repository' };
  }
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: gitRoot });
  const verify = async (rev: string): Promise<string | undefined> => {
    try {
      return (await git.revparse(['--verify', '--quiet', `${rev}^{commit}`])).trim() || undefined;
    } catch {
      return undefined;
    }
  };

  let commit: string | undefined;
  let rev: string;
  let how: BaseHow;
  if (since !== undefined) {
    commit = await verify(since);
    if (commit === undefined) {
      throw new MloError('USAGE', `--since ${since}: unknown git revision`, {
        hint: 'give a commit, branch or tag this clone has (in CI, fetch with fetch-depth: 0)',
      });
    }
    rev = since;
    how = 'since';
  } else {
    const head = await verify('HEAD');
    if (head === undefined)
      return { available: false, reason: 'the repository has no commits yet' };
    ({ commit, rev, how } = await mergeBaseOrHead(head, verify, async (branch) => {
      try {
        return (await git.raw(['merge-base', 'HEAD', branch])).trim() || undefined;
      } catch {
        return undefined; // unrelated histories
      }
    }));
  }
  const [time, subject] = (await git.raw(['show', '-s', '--format=%cI%n%s', commit]))
    .trim()
    .split('\n');
  return {
    available: true,
    rev,
    how,
    commit,
    short: commit.slice(0, 7),
    time: new Date(time).toISOString(),
    subject: subject ?? '',
  };
}

async function mergeBaseOrHead(
  head: string,
  verify: (rev: string) => Promise<string | undefined>,
  mergeBase: (branch: string) => Promise<string | undefined>,
): Promise<{ commit: string; rev: string; how: BaseHow }> {
  for (const branch of DEFAULT_BRANCHES) {
    if ((await verify(branch)) === undefined) continue;
    const commit = await mergeBase(branch);
    if (commit !== undefined) {
      return { commit, rev: `merge-base with ${branch}`, how: 'merge-base' };
    }
  }
  return { commit: head, rev: 'HEAD', how: 'head' };
}
