/** `mlo init`: create .mlo/ with its config, ignore rules, store, cache and tmp. */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { CONFIG_TEMPLATE } from './config.js';
import { DOT_DIR, findGitRoot, findRepoRoot } from './find.js';
import { repoAt, type Repo } from './repo.js';
import { refuseLinkedState } from './state-links.js';

/** Git ignores everything in .mlo/ except the files that describe the repo. */
const DOT_GITIGNORE = `# written by mlo init: the store, cache and tmp are local to this machine
/*
!/.gitignore
!/config.yaml
`;

export interface InitResult {
  root: string;
  created: boolean;
  /** set when an enclosing repo already exists and nothing was created */
  existingRoot?: string;
  warnings: string[];
}

export function initRepo(dir: string = process.cwd()): InitResult {
  const root = resolve(dir);
  const existing = findRepoRoot(root);
  if (existing !== undefined && existsSync(join(existing, DOT_DIR, 'config.yaml'))) {
    refuseLinkedState(existing); // say so now rather than at the next command
    return { root: existing, created: false, existingRoot: existing, warnings: [] };
  }
  const warnings: string[] = [];
  if (findGitRoot(root) === undefined) {
    warnings.push(
      `${root} is not inside a git repository: pointer files and mlo.lock will not be versioned (run \`git init\` to fix)`,
    );
  }
  // a committed .mlo or .mlo/cache link would have the folders below made elsewhere
  refuseLinkedState(root);
  const dotDir = join(root, DOT_DIR);
  mkdirSync(join(dotDir, 'cache'), { recursive: true });
  mkdirSync(join(dotDir, 'tmp'), { recursive: true });
  if (!existsSync(join(dotDir, '.gitignore')))
    writeFileAtomic(join(dotDir, '.gitignore'), DOT_GITIGNORE);
  // config.yaml last: its presence is what makes the repo "exist" for a re-run.
  const repo: Repo = repoAt(root);
  void repo.store; // creates mlo.db and applies migrations
  repo.close();
  writeFileAtomic(join(dotDir, 'config.yaml'), CONFIG_TEMPLATE);
  return { root, created: true, warnings };
}
