/**
 * Has a stage changed since its lock entry? Compares the command, env, dependency
 * hashes and params with mlo.lock, and the outputs in the workspace with the
 * hashes recorded there. Hashes come from the hash state: unchanged files are
 * recognised by stat() alone and never read.
 */
import type { Repo } from '../repo/index.js';
import { putHashStates, type HashState } from '../store/index.js';
import { hashPath, type PathEntry } from '../tracking/index.js';
import type { Stage } from './load.js';
import { canonical, type LockEntry, type StageLock } from './lock.js';
import type { ParamValues, ParamsReader } from './params.js';

/** Workspace hashes for one repro: each path hashed once until a stage rewrites it. */
export class HashMemo {
  private readonly known = new Map<string, PathEntry | undefined>();
  /** paths whose content is about to change (dry run: an upstream stage would run) */
  private readonly pending = new Set<string>();
  private learned: HashState[] = [];

  constructor(private readonly repo: Repo) {}

  get(rel: string): PathEntry | undefined {
    if (this.known.has(rel)) return this.known.get(rel);
    const e = hashPath(this.repo, rel, this.learned);
    this.known.set(rel, e);
    return e;
  }

  /** Forget what we know about paths a stage has just (re)written. */
  invalidate(paths: readonly string[]): void {
    for (const key of [...this.known.keys()]) {
      if (paths.some((p) => key === p || key.startsWith(`${p}/`) || p.startsWith(`${key}/`))) {
        this.known.delete(key);
      }
    }
  }

  /** Dry run: pretend these paths will hold `entries` (restore) or change unpredictably. */
  predict(paths: readonly string[], entries?: readonly PathEntry[]): void {
    this.invalidate(paths);
    if (entries) for (const e of entries) this.known.set(e.path, e);
    else for (const p of paths) this.pending.add(p);
  }

  /** A path an upstream stage would rewrite (dry run only). */
  isPending(rel: string): boolean {
    for (const p of this.pending)
      if (rel === p || rel.startsWith(`${p}/`) || p.startsWith(`${rel}/`)) return true;
    return false;
  }

  /** Write the hash state learned while hashing, in one transaction. */
  flush(): void {
    if (this.learned.length) putHashStates(this.repo.store, this.learned);
    this.learned = [];
  }
}

export interface StageInputs {
  cmd: string[];
  env: Record<string, string>;
  deps: LockEntry[];
  params: ParamValues;
}

export interface StageCheck {
  inputs: StageInputs;
  /** why the stage is not up to date (empty: it is) */
  reasons: string[];
  /** command, env, deps, params and declared outputs all equal the lock entry */
  inputsMatchLock: boolean;
  /** deps that do not exist now */
  missingDeps: string[];
  /** deps an upstream stage would rewrite (dry run) */
  pendingDeps: string[];
}

function diffParams(old: ParamValues, now: ParamValues, reasons: string[]): void {
  const files = new Set([...Object.keys(old), ...Object.keys(now)]);
  for (const f of [...files].sort()) {
    const a = old[f] ?? {};
    const b = now[f] ?? {};
    const prefix = f === 'params.yaml' ? '' : `${f}:`;
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(k in a)) reasons.push(`param ${prefix}${k} added`);
      else if (!(k in b)) reasons.push(`param ${prefix}${k} removed`);
      else if (canonical(a[k]) !== canonical(b[k])) {
        reasons.push(`param ${prefix}${k} changed (${short(a[k])} -> ${short(b[k])})`);
      }
    }
  }
}

function short(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 30 ? `${s.slice(0, 29)}…` : s;
}

function samePaths(a: readonly { path: string }[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((e) => set.has(e.path));
}

export function checkStage(
  stage: Stage,
  lock: StageLock | undefined,
  memo: HashMemo,
  params: ParamsReader,
): StageCheck {
  const inputs: StageInputs = {
    cmd: stage.cmd,
    env: stage.env,
    deps: [],
    params: params.values(stage.name, stage.params),
  };
  const missingDeps: string[] = [];
  const pendingDeps: string[] = [];
  for (const d of stage.deps) {
    if (memo.isPending(d)) {
      pendingDeps.push(d);
      continue;
    }
    const e = memo.get(d);
    if (e) inputs.deps.push(e);
    else missingDeps.push(d);
  }
  const reasons: string[] = [];
  if (!lock) {
    reasons.push('never ran');
  } else {
    if (canonical(lock.cmd) !== canonical(inputs.cmd)) reasons.push('command changed');
    if (canonical(lock.env) !== canonical(inputs.env)) reasons.push('env changed');
    const old = new Map(lock.deps.map((d) => [d.path, d.hash]));
    for (const d of stage.deps) {
      if (!old.has(d)) reasons.push(`dep ${d} added`);
    }
    for (const path of old.keys())
      if (!stage.deps.includes(path)) reasons.push(`dep ${path} removed`);
    for (const e of inputs.deps) {
      const h = old.get(e.path);
      if (h !== undefined && h !== e.hash) reasons.push(`dep ${e.path} changed`);
    }
    for (const d of pendingDeps) if (old.has(d)) reasons.push(`dep ${d} is rewritten upstream`);
    for (const d of missingDeps) if (old.has(d)) reasons.push(`dep ${d} is missing`);
    diffParams(lock.params, inputs.params, reasons);
    if (
      !samePaths(
        lock.outs,
        stage.outs.map((o) => o.path),
      ) ||
      !samePaths(
        lock.metrics,
        stage.metrics.map((m) => m.path),
      )
    ) {
      reasons.push('outputs changed in mlo.yaml');
    }
  }
  const inputsMatchLock =
    lock !== undefined &&
    reasons.length === 0 &&
    missingDeps.length === 0 &&
    pendingDeps.length === 0;
  return { inputs, reasons, inputsMatchLock, missingDeps, pendingDeps };
}

/** Outputs that are missing or differ from `expected`; empty when all are as recorded. */
export function outputProblems(
  paths: readonly string[],
  expected: readonly LockEntry[],
  memo: HashMemo,
): string[] {
  const want = new Map(expected.map((e) => [e.path, e.hash]));
  const problems: string[] = [];
  for (const p of paths) {
    const now = memo.get(p);
    if (!now) problems.push(`out ${p} is missing`);
    else if (now.hash !== want.get(p)) problems.push(`out ${p} changed`);
  }
  return problems;
}
