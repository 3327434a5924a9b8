/**
 * Who is acting and at which commit, for lineage and the alias audit. simple-git is
 * loaded only here, when a command records something, never at CLI start-up.
 */
import { userInfo } from 'node:os';
import type { SimpleGit } from 'simple-git';
import type { Repo } from '../repo/index.js';

export interface Actor {
  /** `MLO_USER`, else git's `user.name <user.email>`, else the OS user */
  who: string;
  /** HEAD of the repository's git work tree, when there is one with a commit */
  gitCommit: string | null;
  /** tracked files differ from HEAD */
  gitDirty: boolean | null;
}

export async function readActor(repo: Repo): Promise<Actor> {
  const git = await readGit(repo);
  const env = process.env.MLO_USER?.trim();
  return { who: env || git.user || osUser(), gitCommit: git.commit, gitDirty: git.dirty };
}

async function readGit(
  repo: Repo,
): Promise<{ commit: string | null; dirty: boolean | null; user: string | null }> {
  if (repo.gitRoot === undefined) return { commit: null, dirty: null, user: null };
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: repo.root });
  const [commit, dirty, name, email] = await Promise.all([
    git.revparse(['HEAD']).then(
      (s) => s.trim() || null,
      () => null,
    ),
    git.status(['--untracked-files=no']).then(
      (s) => !s.isClean(),
      () => null,
    ),
    configValue(git, 'user.name'),
    configValue(git, 'user.email'),
  ]);
  const user = name ? (email ? `${name} <${email}>` : name) : email;
  return { commit, dirty: commit === null ? null : dirty, user };
}

async function configValue(git: SimpleGit, key: string): Promise<string | null> {
  try {
    const v = await git.getConfig(key);
    return v.value?.trim() || null;
  } catch {
    return null;
  }
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
