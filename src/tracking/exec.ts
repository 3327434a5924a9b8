/**
 * `mlo exec -- CMD ARGS...`: run any command as a run. Inputs (--dep) are hashed when
 * it starts, outputs (--out) cached when it succeeds, metric files (--metrics) read
 * at the end.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { addObjectRefs } from '../store/index.js';
import { cachePath, hashPaths, objectsOf, repoRelative, type PathEntry } from './paths.js';
import type { StopSignal } from './process.js';
import { RUN_REF_KIND } from './run.js';
import { runCommandAsRun, type CommandRunResult } from './session.js';

export interface ExecOptions {
  /** the command and its arguments; a single argument with spaces runs in the shell */
  command: string[];
  name?: string;
  experiment?: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  deps?: string[];
  outs?: string[];
  metricsFiles?: string[];
  /** directory the command runs in and paths are relative to (default: process.cwd()) */
  cwd?: string;
  env?: Record<string, string>;
  stop?: StopSignal;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  onStart?: (run: { id: string; name: string }) => void;
  /** serve the MLflow API to the command (default true; `--no-mlflow` turns it off) */
  mlflow?: boolean;
}

export interface ExecResult extends CommandRunResult {
  inputs: PathEntry[];
  outputs: PathEntry[];
}

/** Parse `k=v` pairs (repeated --param / --tag flags). */
export function parseAssignments(pairs: readonly string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new MloError('USAGE', `${flag} ${p}: expected key=value`);
    out[p.slice(0, eq).trim()] = p.slice(eq + 1);
  }
  return out;
}

const SHELL_CHARS = /[\s|&;<>()$`"'*?[\]#~={}\\]/;

export async function execRun(repo: Repo, options: ExecOptions): Promise<ExecResult> {
  const cwd = options.cwd ?? process.cwd();
  if (options.command.length === 0) {
    throw new MloError('USAGE', 'no command given', { hint: 'mlo exec [options] -- CMD ARGS...' });
  }
  const depRels = (options.deps ?? []).map((d) => repoRelative(repo, cwd, d));
  const outRels = (options.outs ?? []).map((o) => repoRelative(repo, cwd, o));
  const metricRels = (options.metricsFiles ?? []).map((m) => repoRelative(repo, cwd, m));
  const hashed = hashPaths(repo, depRels);
  const inputs: PathEntry[] = [];
  for (const rel of depRels) {
    const entry = hashed.get(rel);
    if (!entry) throw new MloError('NOT_FOUND', `--dep ${rel}: no such file or directory`);
    inputs.push(entry);
  }
  const [first] = options.command;
  // `mlo exec -- "python train.py | tee x"` means a shell command line.
  const spec =
    options.command.length === 1 && SHELL_CHARS.test(first)
      ? { shell: first }
      : { argv: options.command };
  const display = options.command.length === 1 ? first : options.command.map(quoteArg).join(' ');
  const outputs: PathEntry[] = [];
  const result = await runCommandAsRun(repo, {
    commands: [spec],
    cwd,
    env: options.env,
    run: {
      name: options.name,
      experiment: options.experiment,
      params: options.params,
      tags: options.tags,
      command: display,
      cwd,
    },
    inputs,
    metricsFiles: metricRels,
    stop: options.stop,
    onOutput: options.onOutput,
    onStart: options.onStart,
    mlflow: options.mlflow,
    onSuccess: async (run) => {
      const missing: string[] = [];
      for (const rel of outRels) {
        try {
          const entry = await cachePath(repo, rel);
          outputs.push(entry);
          run.recordPath('output', entry);
          addObjectRefs(
            repo.store,
            objectsOf(repo, entry).map((hash) => ({ kind: RUN_REF_KIND, owner: run.id, hash })),
          );
        } catch (err) {
          if (err instanceof MloError && err.code === 'NOT_FOUND') missing.push(rel);
          else throw err;
        }
      }
      if (missing.length) {
        throw new MloError('CHECK_FAILED', `the command did not produce ${missing.join(', ')}`);
      }
    },
  });
  return { ...result, inputs, outputs };
}

function quoteArg(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
