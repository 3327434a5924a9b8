/**
 * The git commit a run started from and whether tracked files had uncommitted
 * changes. simple-git is loaded only when a run starts, never at CLI start-up.
 */
export interface GitInfo {
  commit?: string;
  /** tracked files differ from the commit (untracked files do not count, as in MLflow) */
  dirty?: boolean;
}

export async function readGitInfo(dir: string): Promise<GitInfo> {
  try {
    const { simpleGit } = await import('simple-git');
    const git = simpleGit({ baseDir: dir });
    const commit = (await git.revparse(['HEAD'])).trim();
    const status = await git.status(['--untracked-files=no']);
    return { commit, dirty: !status.isClean() };
  } catch {
    // not a git work tree, no commits yet, or git missing: the run simply has no commit
    return {};
  }
}
