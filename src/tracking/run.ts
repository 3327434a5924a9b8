/**
 * The Node API for runs: `startRun(repo)` then `run.logMetric(...)` in a training loop.
 * Calls only buffer; the buffer is written in one transaction every FLUSH_POINTS
 * points or FLUSH_MS milliseconds, so logging every step costs microseconds.
 */
import { assertRunWritable } from './replica.js';
import { hostname } from 'node:os';
import { basename } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { cacheAndPin, cacheOf } from '../data/index.js';
import { addObjectRefs, getRunRow, insertRun, type RunStatus } from '../store/index.js';
import { readGitInfo, type GitInfo } from './git-info.js';
import { newRunId, resolveRunRow } from './ids.js';
import { randomRunName } from './names.js';
import { artifactRelative, cachePath, objectsOf, type PathEntry } from './paths.js';
import { RunWriter, keyProblem, type ParamValue } from './writer.js';

export const FLUSH_POINTS = 20_000;
export const FLUSH_MS = 1000;
export const DEFAULT_EXPERIMENT = 'default';
/** object_refs kind for everything a run keeps in the cache */
export const RUN_REF_KIND = 'run';

export interface StartRunOptions {
  name?: string;
  /** default: $MLO_EXPERIMENT, else "default" */
  experiment?: string;
  params?: Record<string, ParamValue>;
  tags?: Record<string, ParamValue>;
  /** what ran, for display (`mlo exec` and stages set it) */
  command?: string;
  cwd?: string;
  /** the pipeline stage this run executes */
  stage?: string;
  /** git commit and dirty flag: read from the repo (default), given, or skipped (false) */
  git?: boolean | GitInfo;
  /**
   * Log into an existing run instead of starting one: its id (or a prefix). By
   * default a program started by `mlo exec` or `mlo repro` attaches to the run in
   * $MLO_RUN_ID, as MLflow's start_run does with MLFLOW_RUN_ID.
   */
  attach?: string | false;
  /** end the run when the process exits without calling end() (default true) */
  endOnExit?: boolean;
}

export interface ArtifactInfo {
  name: string;
  hash: string;
  size: number;
  type: 'file' | 'dir';
  files?: number;
}

export class Run {
  readonly id: string;
  readonly name: string;
  readonly experiment: string;
  /** true when this handle logs into a run someone else started and ends */
  readonly attached: boolean;
  private readonly repo: Repo;
  private readonly writer: RunWriter;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly onExit: ((code: number) => void) | undefined;

  /** @internal use startRun() */
  constructor(
    repo: Repo,
    init: {
      seq: number;
      id: string;
      name: string;
      experiment: string;
      attached: boolean;
    },
    endOnExit: boolean,
  ) {
    this.repo = repo;
    this.id = init.id;
    this.name = init.name;
    this.experiment = init.experiment;
    this.attached = init.attached;
    this.writer = new RunWriter(repo.store, init.seq);
    if (endOnExit) {
      // A script that forgets end() (or throws) still leaves a finished or failed run.
      this.onExit = (code: number) => {
        if (this.ended) return;
        try {
          if (this.attached) this.writer.flush();
          else
            this.finishNow(
              code === 0 ? 'finished' : 'failed',
              code === 0 ? {} : { exitCode: code },
            );
        } catch {
          // the process is exiting; nothing sensible is left to do
        }
      };
      process.on('exit', this.onExit);
    }
  }

  /** @internal the run's row number in the store */
  get seq(): number {
    return this.writer.seq;
  }

  private checkOpen(): void {
    if (this.ended) throw new MloError('USAGE', `run ${this.id} has ended; start a new run`);
  }

  private schedule(): void {
    if (this.writer.pendingPoints >= FLUSH_POINTS) {
      this.flush();
      return;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.ended) this.flush();
      }, FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Log one metric value; `step` defaults to the series' next step. */
  logMetric(key: string, value: number, step?: number, options?: { timestamp?: number }): void {
    this.checkOpen();
    this.writer.metric(key, value, step, options?.timestamp);
    this.schedule();
  }

  /** Log several metrics at one step. */
  logMetrics(
    values: Record<string, number>,
    step?: number,
    options: { timestamp?: number } = {},
  ): void {
    this.checkOpen();
    const ts = options.timestamp ?? Date.now();
    for (const [k, v] of Object.entries(values)) this.writer.metric(k, v, step, ts);
    this.schedule();
  }

  logParam(key: string, value: ParamValue): void {
    this.logParams({ [key]: value });
  }

  logParams(params: Record<string, ParamValue>): void {
    this.checkOpen();
    for (const [k, v] of Object.entries(params)) this.writer.param(k, v);
    this.schedule();
  }

  setTag(key: string, value: ParamValue): void {
    this.setTags({ [key]: value });
  }

  setTags(tags: Record<string, ParamValue>): void {
    this.checkOpen();
    for (const [k, v] of Object.entries(tags)) this.writer.tag(k, v);
    this.schedule();
  }

  /** Cache a file or directory inside the repository and record it as an artifact of the run. */
  async logArtifact(
    path: string,
    options: { name?: string; cwd?: string } = {},
  ): Promise<ArtifactInfo> {
    this.checkOpen();
    const info = await cacheArtifact(this.repo, this.id, path, options);
    this.writer.artifact(info);
    this.schedule();
    return info;
  }

  /** @internal Keep a file mlo itself wrote for the run (its output log) as an artifact. */
  async keepOwnFile(abs: string, name: string): Promise<ArtifactInfo> {
    this.checkOpen();
    // pinned until this process exits, so a concurrent gc cannot take it before the ref
    const entry: PathEntry = await cacheAndPin(this.repo, async () => ({
      path: abs,
      ...(await cacheOf(this.repo).ingestFile(abs)),
    }));
    keepObjects(this.repo, this.id, entry);
    const info = artifactInfo(name, entry);
    this.writer.artifact(info);
    this.schedule();
    return info;
  }

  /** Record an input or output path with its hash (the pipeline and `mlo exec` use this). */
  recordPath(role: 'input' | 'output', entry: PathEntry | { path: string }): void {
    this.checkOpen();
    this.writer.ioEntry({ role, ...entry });
  }

  /** Write everything buffered now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.writer.flush();
  }

  private finishNow(
    status: Exclude<RunStatus, 'running'>,
    details: { exitCode?: number; error?: string; logTail?: string },
  ): void {
    this.ended = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.onExit) process.off('exit', this.onExit);
    try {
      this.writer.finish({ status, endMs: Date.now(), ...details });
    } catch (err) {
      if (getRunRow(this.repo.store, this.id) !== undefined) throw err;
      throw new MloError('CONFLICT', `run ${this.id} was deleted while it was running`, {
        cause: err,
      });
    }
  }

  /**
   * End the run (default: finished). An attached run is only flushed: whoever
   * started it ends it.
   */
  async end(
    status: Exclude<RunStatus, 'running'> = 'finished',
    details: { exitCode?: number; error?: string; logTail?: string } = {},
  ): Promise<void> {
    if (this.ended) return;
    if (this.attached) {
      this.ended = true;
      if (this.onExit) process.off('exit', this.onExit);
      this.flush();
      return;
    }
    this.finishNow(status, details);
  }
}

/** $MLO_RUN_TAGS: a JSON object of tags for every run this process starts (bad JSON: none). */
function envTags(): Record<string, string> {
  const text = process.env.MLO_RUN_TAGS;
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(
      Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return {};
  }
}

/** Start a run (or attach to the one in $MLO_RUN_ID) and return its handle. */
export async function startRun(repo: Repo, options: StartRunOptions = {}): Promise<Run> {
  const attachTo =
    options.attach === undefined ? process.env.MLO_RUN_ID : options.attach || undefined;
  if (attachTo) {
    const row = resolveRunRow(repo.store, attachTo);
    assertRunWritable(row);
    const run = new Run(
      repo,
      {
        seq: row.seq,
        id: row.id,
        name: row.name,
        experiment: row.experiment,
        attached: true,
      },
      options.endOnExit !== false,
    );
    if (options.params) run.logParams(options.params);
    if (options.tags) run.setTags(options.tags);
    return run;
  }
  const experiment = options.experiment ?? (process.env.MLO_EXPERIMENT || DEFAULT_EXPERIMENT);
  const name = options.name ?? randomRunName();
  for (const [what, v] of [
    ['run name', name],
    ['experiment', experiment],
  ] as const) {
    const problem = keyProblem(v);
    if (problem)
      throw new MloError('USAGE', `${what}: ${problem.replace(/^a key|^key/, 'the name')}`);
  }
  // Refuse bad keys before the run exists: a half-created run would linger.
  for (const [what, record] of [
    ['param', options.params],
    ['tag', options.tags],
  ] as const) {
    for (const k of Object.keys(record ?? {})) {
      const problem = keyProblem(k);
      if (problem)
        throw new MloError('USAGE', `${what} ${problem.replace(/^a key must/, 'key must')}`);
    }
  }
  const git: GitInfo =
    options.git === false
      ? {}
      : options.git === undefined || options.git === true
        ? await readGitInfo(repo.root)
        : options.git;
  const id = newRunId();
  const seq = insertRun(repo.store, {
    id,
    name,
    experiment,
    startMs: Date.now(),
    command: options.command,
    cwd: options.cwd,
    gitCommit: git.commit,
    gitDirty: git.dirty,
    stage: options.stage,
    host: hostname(),
    pid: process.pid,
  });
  const run = new Run(
    repo,
    { seq, id, name, experiment, attached: false },
    options.endOnExit !== false,
  );
  // tags every run of a process tree gets, e.g. why `mlo monitor` started a retraining
  const tags = { ...envTags(), ...options.tags };
  const hasTags = Object.keys(tags).length > 0;
  if (options.params) run.logParams(options.params);
  if (hasTags) run.setTags(tags);
  if (options.params || hasTags) run.flush();
  return run;
}

/**
 * Cache a path as an artifact of run `runId` and keep its objects alive for gc. The
 * path must lie inside the repository (see artifactRelative).
 */
export async function cacheArtifact(
  repo: Repo,
  runId: string,
  path: string,
  options: { name?: string; cwd?: string } = {},
): Promise<ArtifactInfo> {
  const rel = artifactRelative(repo, options.cwd ?? process.cwd(), path);
  const name = options.name ?? basename(rel);
  const problem = keyProblem(name);
  if (problem) throw new MloError('USAGE', `artifact name: ${problem}`);
  const entry = await cachePath(repo, rel);
  keepObjects(repo, runId, entry);
  return artifactInfo(name, entry);
}

function keepObjects(repo: Repo, runId: string, entry: PathEntry): void {
  addObjectRefs(
    repo.store,
    objectsOf(repo, entry).map((hash) => ({ kind: RUN_REF_KIND, owner: runId, hash })),
  );
}

function artifactInfo(name: string, entry: PathEntry): ArtifactInfo {
  return {
    name,
    hash: entry.hash,
    size: entry.size,
    type: entry.type ?? 'file',
    ...(entry.files !== undefined && { files: entry.files }),
  };
}

/** Whether the run still exists (a deleted run cannot be logged to). */
export function runExists(repo: Repo, id: string): boolean {
  return getRunRow(repo.store, id) !== undefined;
}
