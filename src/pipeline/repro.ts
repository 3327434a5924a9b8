/**
 * `mlo repro`: bring the pipeline's outputs up to date. Stages run in dependency
 * order, independent ones in parallel up to `jobs`; each decision is made when a
 * stage's upstream has finished, so it sees the outputs upstream just wrote:
 *
 *   up to date (command, deps, params, outputs as in mlo.lock)  → skipped
 *   inputs ran before and the outputs are in the cache           → restored
 *   otherwise                                                     → run, as a run
 *
 * A failed stage blocks what depends on it; independent branches go on.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { ignoreInGit } from '../data/index.js';
import {
  cachePath,
  hashPath,
  isCached,
  linkEscape,
  readGitInfo,
  removePath,
  restorePath,
  runCommandAsRun,
  type GitInfo,
  type PathEntry,
  type StopSignal,
} from '../tracking/index.js';
import { putHashStates, storeBusyError, type HashState } from '../store/index.js';
import { checkStage, HashMemo, outputProblems, type StageCheck } from './check.js';
import { buildDag, selectStages, type Dag } from './dag.js';
import { loadPipeline, type OutDecl, type Pipeline, type Stage } from './load.js';
import { readLock, updateLock, type LockEntry, type LockFile, type StageLock } from './lock.js';
import { flattenParamValues, ParamsReader, parseSetArg, setParams } from './params.js';
import { lookupRunCache, runCacheKey, saveRunCache, type CachedResult } from './run-cache.js';
import { acquireReproLock } from './repro-lock.js';

export interface ReproOptions {
  /** stage names (or foreach/matrix group names); default: every stage */
  targets?: string[];
  /** run the selected stages even when nothing changed */
  force?: boolean;
  /** run these stages even when nothing changed (exp run) */
  forceStages?: ReadonlySet<string>;
  /** say what would happen; change nothing */
  dryRun?: boolean;
  /** stages run at once (default 1) */
  jobs?: number;
  /** `key=value` params to write into params files first (`file.yaml:key=value`) */
  set?: string[];
  experiment?: string;
  /** serve the MLflow API to each stage's command, as `mlo exec` does (default true) */
  mlflow?: boolean;
  /** extra tags for every stage run */
  tags?: Record<string, string>;
  stop?: StopSignal;
  /** git commit/dirty for the runs (default: read once when the first stage starts) */
  git?: GitInfo;
  onEvent?: (event: ReproEvent) => void;
  onOutput?: (stage: string, stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  /**
   * Run only the target stages: the stages they need are brought up to date from
   * mlo.lock or the run cache (skipped or restored), never run. For orchestrators,
   * which run each stage in its own step, in DAG order.
   */
  single?: boolean;
  /** @internal the caller (exp run) already holds the repro lock */
  lockHeld?: boolean;
}

export type StageOutcome =
  | 'ran'
  | 'skipped'
  | 'restored'
  | 'failed'
  | 'blocked'
  | 'killed'
  | 'not-run'
  | 'would-run'
  | 'would-restore';

export interface StageResult {
  stage: string;
  outcome: StageOutcome;
  /** why it ran / would run, or why it failed or was blocked */
  reasons: string[];
  runId?: string;
  exitCode?: number;
  error?: string;
  logTail?: string;
  durationMs?: number;
  /** restored: the run that first produced the outputs, when known */
  restoredFrom?: string | null;
  metrics?: Record<string, number | null>;
  warnings?: string[];
}

export type ReproEvent =
  | {
      type: 'stage-start';
      stage: string;
      runId: string;
      runName: string;
      reasons: string[];
      cmd: string[];
    }
  | { type: 'stage-end'; result: StageResult };

export interface ReproResult {
  stages: StageResult[];
  /** no stage failed, was blocked or was killed */
  ok: boolean;
  dryRun: boolean;
  /** params files changed by --set */
  paramsChanged: string[];
  /** set when the repro was stopped by a signal */
  stopped?: NodeJS.Signals;
}

const FAILED: ReadonlySet<StageOutcome> = new Set(['failed', 'blocked', 'killed', 'not-run']);

class Repro {
  private readonly memo: HashMemo;
  private readonly params: ParamsReader;
  private readonly lock: LockFile;
  private readonly results = new Map<string, StageResult>();
  private readonly reproId = randomBytes(4).toString('hex');
  private git: Promise<GitInfo> | undefined;
  private readonly known: ReadonlySet<string>;

  constructor(
    private readonly repo: Repo,
    private readonly pipeline: Pipeline,
    private readonly dag: Dag,
    private readonly options: ReproOptions,
    /** with --single: the only stages that may run */
    private readonly mayRun?: ReadonlySet<string>,
  ) {
    this.memo = new HashMemo(repo);
    this.params = new ParamsReader(repo);
    this.lock = readLock(repo);
    this.known = new Set(pipeline.stages.map((s) => s.name));
    if (options.git) this.git = Promise.resolve(options.git);
  }

  private emit(event: ReproEvent): void {
    this.options.onEvent?.(event);
  }

  private finish(result: StageResult): StageResult {
    this.results.set(result.stage, result);
    this.emit({ type: 'stage-end', result });
    return result;
  }

  /** Dependencies that neither exist nor are written by a selected stage: fail before running anything. */
  checkDeps(selected: string[]): void {
    const chosen = new Set(selected);
    for (const name of selected) {
      const stage = this.dag.byName.get(name) as Stage;
      for (const d of stage.deps) {
        const producer = [...(this.dag.upstream.get(name) ?? [])].some((u) => chosen.has(u));
        if (producer) continue;
        if (!this.memo.get(d)) {
          throw new MloError(
            'NOT_FOUND',
            `stage ${name}: dependency ${d} does not exist and no stage writes it`,
            {
              hint: `${this.pipeline.positions.where(stage.yamlPath)}: create ${d}, or fix the path in mlo.yaml`,
            },
          );
        }
      }
    }
  }

  async run(selected: string[]): Promise<StageResult[]> {
    const jobs = Math.max(1, this.options.jobs ?? 1);
    const running = new Map<string, Promise<void>>();
    const started = new Set<string>();
    for (;;) {
      let progressed = false;
      for (const name of selected) {
        if (started.has(name)) continue;
        const ups = [...(this.dag.upstream.get(name) ?? [])].filter((u) => selected.includes(u));
        const bad = ups.find((u) => {
          const r = this.results.get(u);
          return r !== undefined && FAILED.has(r.outcome);
        });
        if (bad !== undefined || this.options.stop?.stopped) {
          started.add(name);
          progressed = true;
          const stopped = this.options.stop?.stopped && bad === undefined;
          this.finish({
            stage: name,
            outcome: stopped ? 'not-run' : 'blocked',
            reasons: stopped
              ? ['stopped before it started']
              : [`upstream stage ${bad} ${this.results.get(bad as string)?.outcome}`],
          });
          continue;
        }
        if (!ups.every((u) => this.results.has(u))) continue;
        if (running.size >= jobs) break;
        started.add(name);
        progressed = true;
        const p = this.runStage(this.dag.byName.get(name) as Stage, jobs)
          .catch((err: unknown) => {
            const e = storeBusyError(err) ?? err;
            this.finish({
              stage: name,
              outcome: 'failed',
              reasons: [],
              error: e instanceof Error ? e.message : String(e),
            });
          })
          .finally(() => running.delete(name));
        running.set(name, p);
      }
      if (started.size === selected.length && running.size === 0) break;
      if (running.size > 0) await Promise.race(running.values());
      else if (!progressed) break;
    }
    this.memo.flush();
    for (const n of selected) {
      if (!this.results.has(n))
        this.finish({ stage: n, outcome: 'not-run', reasons: ['not reached'] });
    }
    return selected.map((n) => this.results.get(n) as StageResult);
  }

  private decide(
    stage: Stage,
    check: StageCheck,
  ): { action: 'skip' | 'restore' | 'run'; reasons: string[]; cached?: CachedResult } {
    const lock = this.lock.get(stage.name);
    const outPaths = [...stage.outs, ...stage.metrics].map((o) => o.path);
    // with --single, --force forces only the named stages
    const forced =
      (this.options.force === true && (this.mayRun?.has(stage.name) ?? true)) ||
      this.options.forceStages?.has(stage.name);
    if (forced) return { action: 'run', reasons: ['forced'] };
    if (stage.alwaysChanged) return { action: 'run', reasons: ['always_changed'] };
    let reasons = check.reasons;
    if (check.inputsMatchLock && lock) {
      const problems = outputProblems(outPaths, [...lock.outs, ...lock.metrics], this.memo);
      if (problems.length === 0) return { action: 'skip', reasons: [] };
      reasons = problems;
    }
    if (check.missingDeps.length || check.pendingDeps.length) {
      return {
        action: 'run',
        reasons: reasons.length ? reasons : ['upstream stage rewrites its deps'],
      };
    }
    const cached = this.findCached(stage, check);
    if (cached) return { action: 'restore', reasons, cached };
    return { action: 'run', reasons };
  }

  /** A previous result for exactly these inputs whose objects are all in the cache. */
  private findCached(stage: Stage, check: StageCheck): CachedResult | undefined {
    if (stage.outs.some((o) => !o.cache) || stage.metrics.some((m) => !m.cache)) return undefined;
    const key = runCacheKey(this.entryFor(stage, check, [], []));
    const candidates: CachedResult[] = [];
    const hit = lookupRunCache(this.repo, key);
    if (hit) candidates.push(hit);
    const lock = this.lock.get(stage.name);
    if (check.inputsMatchLock && lock)
      candidates.push({ key, outs: lock.outs, metrics: lock.metrics, runId: null });
    return candidates.find((c) => [...c.outs, ...c.metrics].every((e) => isCached(this.repo, e)));
  }

  private entryFor(
    stage: Stage,
    check: StageCheck,
    outs: LockEntry[],
    metrics: LockEntry[],
  ): StageLock {
    return {
      cmd: stage.cmd,
      env: stage.env,
      deps: check.inputs.deps,
      params: check.inputs.params,
      outs: outs.length ? outs : stage.outs.map((o) => ({ path: o.path, hash: '', size: 0 })),
      metrics: metrics.length
        ? metrics
        : stage.metrics.map((m) => ({ path: m.path, hash: '', size: 0 })),
    };
  }

  /**
   * Outputs are removed before a stage runs and restored from the cache: through a
   * committed symbolic link (`models -> /elsewhere`) that would delete or write
   * outside the repository, so such a stage fails instead.
   */
  private checkOutputPaths(stage: Stage): void {
    for (const o of [...stage.outs, ...stage.metrics]) {
      const why = linkEscape(this.repo, o.path);
      if (why) {
        throw new MloError('INVALID', `stage ${stage.name}: output ${o.path}: ${why}`, {
          hint: 'outputs are written inside the repository only: remove the link',
        });
      }
    }
  }

  private async runStage(stage: Stage, jobs: number): Promise<void> {
    this.checkOutputPaths(stage);
    const check = checkStage(stage, this.lock.get(stage.name), this.memo, this.params);
    this.memo.flush();
    const decision = this.decide(stage, check);
    const outPaths = [...stage.outs, ...stage.metrics].map((o) => o.path);
    if (decision.action === 'run' && this.mayRun && !this.mayRun.has(stage.name)) {
      this.finish({
        stage: stage.name,
        outcome: 'failed',
        reasons: decision.reasons,
        error: `--single: upstream stage ${stage.name} is not up to date and has no cached result (${decision.reasons.join('; ')}); run it first, and bring its result here with mlo pull`,
      });
      return;
    }
    if (this.options.dryRun) {
      if (decision.action === 'skip')
        this.finish({ stage: stage.name, outcome: 'skipped', reasons: [] });
      else if (decision.action === 'restore') {
        const c = decision.cached as CachedResult;
        this.memo.predict(outPaths, [...c.outs, ...c.metrics]);
        this.finish({
          stage: stage.name,
          outcome: 'would-restore',
          reasons: decision.reasons,
          restoredFrom: c.runId,
        });
      } else {
        this.memo.predict(outPaths);
        this.finish({ stage: stage.name, outcome: 'would-run', reasons: decision.reasons });
      }
      return;
    }
    if (decision.action === 'skip') {
      this.finish({ stage: stage.name, outcome: 'skipped', reasons: [] });
      return;
    }
    if (decision.action === 'restore') {
      this.restore(stage, check, decision.cached as CachedResult, decision.reasons);
      return;
    }
    if (check.missingDeps.length) {
      this.finish({
        stage: stage.name,
        outcome: 'failed',
        reasons: decision.reasons,
        error: `dependency ${check.missingDeps.join(', ')} does not exist`,
      });
      return;
    }
    await this.execute(stage, check, decision.reasons, jobs);
  }

  private restore(stage: Stage, check: StageCheck, cached: CachedResult, reasons: string[]): void {
    const started = Date.now();
    const entries = [...cached.outs, ...cached.metrics];
    for (const e of entries) {
      const now = this.memo.get(e.path);
      if (now?.hash === e.hash) continue;
      if (!restorePath(this.repo, e))
        throw new MloError('INTERNAL', `cache object for ${e.path} vanished during restore`);
    }
    this.memo.invalidate(entries.map((e) => e.path));
    this.ignoreOuts(stage.outs);
    const entry = this.entryFor(stage, check, cached.outs, cached.metrics);
    updateLock(this.repo, new Map([[stage.name, entry]]), this.known);
    this.lock.set(stage.name, entry);
    this.finish({
      stage: stage.name,
      outcome: 'restored',
      reasons,
      restoredFrom: cached.runId,
      durationMs: Date.now() - started,
    });
  }

  private ignoreOuts(outs: OutDecl[]): void {
    for (const o of outs) if (o.gitignore) ignoreInGit(this.repo, o.path);
  }

  private async execute(
    stage: Stage,
    check: StageCheck,
    reasons: string[],
    jobs: number,
  ): Promise<void> {
    const started = Date.now();
    for (const o of [...stage.outs, ...stage.metrics]) {
      const abs = join(this.repo.root, o.path);
      if (!o.persist) removePath(abs);
      mkdirSync(dirname(abs), { recursive: true });
    }
    this.memo.invalidate([...stage.outs, ...stage.metrics].map((o) => o.path));
    this.git ??= readGitInfo(this.repo.root);
    const git = await this.git;
    const key = runCacheKey(this.entryFor(stage, check, [], []));
    let runName = stage.name;
    let recorded: { outs: LockEntry[]; metrics: LockEntry[] } | undefined;
    const result = await runCommandAsRun(this.repo, {
      commands: stage.cmd.map((c) => ({ shell: c })),
      cwd: this.repo.root,
      env: stage.env,
      run: {
        name: stage.name,
        experiment: this.options.experiment,
        params: flattenParamValues(check.inputs.params),
        tags: { ...this.options.tags, 'mlo.stage': stage.name, 'mlo.repro': this.reproId },
        command: stage.cmd.join(' && '),
        cwd: this.repo.root,
        stage: stage.name,
        git,
      },
      inputs: check.inputs.deps,
      metricsFiles: stage.metrics.map((m) => m.path),
      stdin: jobs === 1 ? 'inherit' : 'ignore',
      stop: this.options.stop,
      mlflow: this.options.mlflow,
      onOutput: (stream, chunk) => this.options.onOutput?.(stage.name, stream, chunk),
      onStart: (r) => {
        runName = r.name;
        this.emit({
          type: 'stage-start',
          stage: stage.name,
          runId: r.id,
          runName,
          reasons,
          cmd: stage.cmd,
        });
      },
      onSuccess: async (run) => {
        // what the command left must not lead mlo out of the repository either
        this.checkOutputPaths(stage);
        const outs = await this.recordOutputs(stage.outs, 'out');
        const metrics = await this.recordOutputs(stage.metrics, 'metrics file');
        for (const e of [...outs, ...metrics]) run.recordPath('output', e);
        recorded = { outs, metrics };
      },
    });
    this.memo.invalidate([...stage.outs, ...stage.metrics].map((o) => o.path));
    let outcome: StageOutcome =
      result.status === 'finished' ? 'ran' : result.status === 'killed' ? 'killed' : 'failed';
    let error = result.error;
    // Only now, with the run recorded as finished, is the stage done: a stage that
    // failed at any step before (even marking its run) never reaches mlo.lock.
    if (outcome === 'ran' && recorded) {
      try {
        this.recordDone(stage, check, key, recorded, result.id);
      } catch (err) {
        outcome = 'failed';
        error = `the stage ran, but mlo.lock could not be updated: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    this.finish({
      stage: stage.name,
      outcome,
      reasons,
      runId: result.id,
      exitCode: result.exitCode,
      ...(error !== undefined && { error }),
      ...(outcome !== 'ran' && { logTail: result.logTail }),
      durationMs: Date.now() - started,
      metrics: result.metrics,
      ...(result.warnings.length && { warnings: result.warnings }),
    });
  }

  /** A finished stage: its lock entry, its .gitignore lines and its run-cache entry. */
  private recordDone(
    stage: Stage,
    check: StageCheck,
    key: string,
    recorded: { outs: LockEntry[]; metrics: LockEntry[] },
    runId: string,
  ): void {
    const { outs, metrics } = recorded;
    this.ignoreOuts(stage.outs);
    const entry = this.entryFor(stage, check, outs, metrics);
    updateLock(this.repo, new Map([[stage.name, entry]]), this.known);
    this.lock.set(stage.name, entry);
    if (stage.outs.every((o) => o.cache) && stage.metrics.every((m) => m.cache)) {
      saveRunCache(this.repo, stage.name, key, { outs, metrics, runId });
    }
  }

  /** Hash (and cache) what a stage wrote; a declared output it did not write fails it. */
  private async recordOutputs(decls: OutDecl[], what: string): Promise<LockEntry[]> {
    const entries: LockEntry[] = [];
    const missing: string[] = [];
    const learned: HashState[] = [];
    for (const d of decls) {
      let e: PathEntry | undefined;
      if (d.cache) {
        try {
          e = await cachePath(this.repo, d.path);
        } catch (err) {
          if (!(err instanceof MloError && err.code === 'NOT_FOUND')) throw err;
        }
      } else e = hashPath(this.repo, d.path, learned);
      if (e) entries.push(e);
      else missing.push(d.path);
    }
    if (learned.length) putHashStates(this.repo.store, learned);
    if (missing.length) {
      throw new MloError(
        'CHECK_FAILED',
        `the stage did not write its ${what}${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      );
    }
    return entries;
  }
}

export async function repro(repo: Repo, options: ReproOptions = {}): Promise<ReproResult> {
  const jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1)
    throw new MloError('USAGE', `--jobs must be a positive integer, got ${jobs}`);
  if (options.set?.length && options.dryRun) {
    throw new MloError('USAGE', '--set with --dry-run would change nothing; drop one of them');
  }
  const assignments = (options.set ?? []).map(parseSetArg);
  const release =
    options.dryRun || options.lockHeld ? undefined : acquireReproLock(repo, 'mlo repro');
  let stages: StageResult[];
  let paramsChanged: string[] = [];
  try {
    if (assignments.length) paramsChanged = setParams(repo, assignments);
    const pipeline = loadPipeline(repo);
    const dag = buildDag(pipeline);
    const selected = selectStages(dag, options.targets);
    if (options.single && !options.targets?.length) {
      throw new MloError('USAGE', '--single needs the stages to run', {
        hint: 'mlo repro STAGE --single',
      });
    }
    checkOutsNotTracked(repo, pipeline);
    const own = options.single ? new Set(selectStages(dag, options.targets, false)) : undefined;
    const r = new Repro(repo, pipeline, dag, options, own);
    r.checkDeps(selected);
    stages = await r.run(selected);
  } finally {
    release?.();
  }
  return {
    stages,
    ok: stages.every((s) => !FAILED.has(s.outcome)),
    dryRun: options.dryRun ?? false,
    paramsChanged,
    ...(options.stop?.signal && { stopped: options.stop.signal }),
  };
}

/**
 * A stage output must not also be data tracked with `mlo add`: the pointer file and
 * mlo.lock would fight over its content (DVC refuses the same overlap).
 */
function checkOutsNotTracked(repo: Repo, pipeline: Pipeline): void {
  for (const s of pipeline.stages) {
    for (const o of [...s.outs, ...s.metrics]) {
      const parts = o.path.split('/');
      for (let i = parts.length; i > 0; i--) {
        const tracked = parts.slice(0, i).join('/');
        if (existsSync(join(repo.root, `${tracked}.mlo`))) {
          throw new MloError(
            'INVALID',
            `stage ${s.name} writes ${o.path}, which is tracked by ${tracked}.mlo`,
            {
              hint: `${pipeline.positions.where(s.yamlPath)}: let the stage own it (remove ${tracked}.mlo) or write elsewhere`,
            },
          );
        }
      }
    }
  }
}

/** The loaded pipeline and its graph (for `mlo dag` and the exp commands). */
export function loadDag(repo: Repo): Dag {
  return buildDag(loadPipeline(repo));
}
