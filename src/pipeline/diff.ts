/**
 * `mlo params diff [REV]` and `mlo metrics diff [REV]`: the params files and metric
 * files of the workspace against their content at a git revision (default HEAD).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { toPosixRelative } from '../util/fs.js';
import { flatten, numericMetrics, parseDataText } from '../tracking/index.js';
import { loadPipeline } from './load.js';
import { canonical } from './lock.js';
import { DEFAULT_PARAMS_FILE } from './params.js';

export interface DiffOptions {
  rev?: string;
  /** include unchanged keys */
  all?: boolean;
}

export interface DiffEntry {
  path: string;
  key: string;
  /** value at the revision (undefined → absent there) */
  old: unknown;
  new: unknown;
  state: 'changed' | 'added' | 'removed' | 'unchanged';
  /** metrics: new - old */
  change?: number;
}

export interface DiffResult {
  rev: string;
  commit: string;
  entries: DiffEntry[];
}

interface GitAt {
  commit: string;
  read(path: string): Promise<string | undefined>;
}

async function gitAt(repo: Repo, rev: string): Promise<GitAt> {
  const gitRoot = repo.gitRoot;
  if (!gitRoot)
    throw new MloError(
      'USAGE',
      `${repo.root} is not in a git repository: there is no revision to compare with`,
    );
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: gitRoot });
  let commit: string;
  try {
    commit = (await git.revparse(['--verify', '--quiet', `${rev}^{commit}`])).trim();
  } catch {
    commit = '';
  }
  if (!commit) {
    throw new MloError('USAGE', `unknown git revision ${rev}`, {
      hint: rev === 'HEAD' ? 'the repository has no commits yet' : 'give a commit, branch or tag',
    });
  }
  return {
    commit,
    read: async (path: string) => {
      const rel = toPosixRelative(gitRoot, join(repo.root, path));
      try {
        return await git.show([`${commit}:${rel}`]);
      } catch {
        return undefined; // not in that commit
      }
    },
  };
}

/** Nested maps flattened with dots; lists stay values (a list of layers is one param). */
function flattenMaps(
  v: unknown,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flattenMaps(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out[prefix] = v;
  return out;
}

function compare(
  path: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  all: boolean,
  numeric: boolean,
): DiffEntry[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const out: DiffEntry[] = [];
  for (const key of keys) {
    const inOld = key in before;
    const inNew = key in after;
    const state: DiffEntry['state'] = !inOld
      ? 'added'
      : !inNew
        ? 'removed'
        : canonical(before[key]) === canonical(after[key])
          ? 'unchanged'
          : 'changed';
    if (state === 'unchanged' && !all) continue;
    const e: DiffEntry = { path, key, old: before[key], new: after[key], state };
    if (numeric && typeof before[key] === 'number' && typeof after[key] === 'number') {
      e.change = after[key] - before[key];
    }
    out.push(e);
  }
  return out;
}

async function diffFiles(
  repo: Repo,
  files: string[],
  options: DiffOptions,
  toValues: (data: unknown) => Record<string, unknown>,
  numeric: boolean,
): Promise<DiffResult> {
  const rev = options.rev ?? 'HEAD';
  const git = await gitAt(repo, rev);
  const entries: DiffEntry[] = [];
  for (const file of [...new Set(files)].sort()) {
    const abs = join(repo.root, file);
    const now = existsSync(abs) ? toValues(parseDataText(readFileSync(abs, 'utf8'), file)) : {};
    const oldText = await git.read(file);
    const then = oldText === undefined ? {} : toValues(parseDataText(oldText, `${file} at ${rev}`));
    entries.push(...compare(file, then, now, options.all ?? false, numeric));
  }
  return { rev, commit: git.commit, entries };
}

export async function paramsDiff(repo: Repo, options: DiffOptions = {}): Promise<DiffResult> {
  const pipeline = loadPipeline(repo, { required: false });
  const files = pipeline.stages.flatMap((s) => s.params.map((p) => p.file));
  if (existsSync(join(repo.root, DEFAULT_PARAMS_FILE)) || files.length === 0)
    files.push(DEFAULT_PARAMS_FILE);
  return diffFiles(repo, files, options, (d) => flattenMaps(d), false);
}

export async function metricsDiff(repo: Repo, options: DiffOptions = {}): Promise<DiffResult> {
  const pipeline = loadPipeline(repo, { required: false });
  const files = pipeline.stages.flatMap((s) => s.metrics.map((m) => m.path));
  if (files.length === 0) {
    throw new MloError('NOT_FOUND', 'no metric files: no stage in mlo.yaml lists "metrics:"', {
      hint: 'add metrics: [metrics.json] to the stage that writes it',
    });
  }
  return diffFiles(repo, files, options, (d) => numericMetrics(flatten(d)), true);
}
