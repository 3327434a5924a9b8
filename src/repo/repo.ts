/**
 * The Repo: the context every library function takes. It holds paths and config;
 * the store opens on first use so commands that do not need it stay fast.
 */
import { join, resolve } from 'node:path';
import { MloError } from '../errors.js';
import { openStore, type Store } from '../store/open.js';
import { readRepoConfig, type RepoConfig } from './config.js';
import { DOT_DIR, findGitRoot, findRepoRoot } from './find.js';
import { recoverInterrupted } from './recovery.js';
import { refuseLinkedState } from './state-links.js';

export interface Repo {
  /** absolute path of the directory holding .mlo/ */
  readonly root: string;
  /** absolute path of .mlo/ */
  readonly dotDir: string;
  readonly cacheDir: string;
  readonly tmpDir: string;
  readonly configPath: string;
  readonly config: RepoConfig;
  /** the git work tree root, when the repo lives in one */
  readonly gitRoot: string | undefined;
  /** the SQLite store, opened (and created or upgraded) on first access */
  readonly store: Store;
  /** re-read .mlo/config.yaml after an edit */
  reloadConfig(): void;
  close(): void;
}

export interface OpenRepoOptions {
  /** open exactly this directory instead of searching upwards */
  exact?: boolean;
}

export function openRepo(dir: string = process.cwd(), options: OpenRepoOptions = {}): Repo {
  const start = resolve(dir);
  const root = options.exact ? start : findRepoRoot(start);
  if (root === undefined) {
    throw new MloError('NOT_A_REPO', `not an mlo repository (or any parent): ${start}`, {
      hint: 'run `mlo init` in your project root first',
    });
  }
  return repoAt(root);
}

/**
 * Build the Repo object for a known root (no search). A link standing in for `.mlo`
 * or one of its entries is refused (state-links.ts); files a killed command left
 * edited (see recovery.ts) are put back first.
 */
export function repoAt(root: string): Repo {
  refuseLinkedState(root);
  const dotDir = join(root, DOT_DIR);
  const configPath = join(dotDir, 'config.yaml');
  let config = readRepoConfig(configPath, `${DOT_DIR}/config.yaml`);
  let store: Store | undefined;
  const repo: Repo = {
    root,
    dotDir,
    cacheDir: join(dotDir, 'cache'),
    tmpDir: join(dotDir, 'tmp'),
    configPath,
    get config() {
      return config;
    },
    gitRoot: findGitRoot(root),
    get store() {
      store ??= openStore(join(dotDir, 'mlo.db'));
      return store;
    },
    reloadConfig() {
      config = readRepoConfig(configPath, `${DOT_DIR}/config.yaml`);
    },
    close() {
      store?.close();
      store = undefined;
    },
  };
  recoverInterrupted(repo);
  return repo;
}
