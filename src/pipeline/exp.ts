/**
 * Experiments: `mlo exp run --set train.lr=0.01,0.1 --set train.depth=3,5` runs the
 * pipeline once per combination of the grid, every stage run tagged with the sweep
 * id, then puts params files, mlo.lock and the outputs back as they were.
 * `mlo exp show` lines up a sweep's combinations with their metrics.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MloError } from '../errors.js';
import { protectFiles, type Repo } from '../repo/index.js';
import { LOCK_FILE } from '../data/index.js';
import {
  putHashStates,
  queryRunRows,
  type HashState,
  type RunListRow,
  type RunStatus,
} from '../store/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import {
  hashPath,
  isCached,
  parseFilter,
  readGitInfo,
  restorePath,
  type StopSignal,
} from '../tracking/index.js';
import { buildDag, downstreamOf, selectStages } from './dag.js';
import { loadPipeline } from './load.js';
import { maxExpansions, productUpTo, raiseHint } from './limits.js';
import { readLock } from './lock.js';
import { acquireReproLock } from './repro-lock.js';
import { parseScalar, parseSetArg, setParams, type ParamAssignment } from './params.js';
import { repro, type ReproEvent, type StageResult } from './repro.js';

export const SWEEP_TAG = 'mlo.sweep';
export const COMBO_TAG = 'mlo.sweep.combo';
export const COMBO_PARAMS_TAG = 'mlo.sweep.params';

export interface ExpRunOptions {
  /** `key=v1,v2,...` (or `file.yaml:key=...`), one per swept param */
  set: string[];
  targets?: string[];
  jobs?: number;
  experiment?: string;
  /** serve the MLflow API to each stage (default true) */
  mlflow?: boolean;
  stop?: StopSignal;
  onCombination?: (info: { index: number; total: number; params: Record<string, unknown> }) => void;
  onEvent?: (event: ReproEvent) => void;
  onOutput?: (stage: string, stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export interface ExpCombination {
  index: number;
  params: Record<string, unknown>;
  ok: boolean;
  stages: StageResult[];
  runs: string[];
}

export interface ExpRunResult {
  sweep: string;
  combinations: ExpCombination[];
  ok: boolean;
  stopped?: NodeJS.Signals;
}

/** Split `0.01,0.1,[1,2]` at top-level commas (not inside brackets or quotes). */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let cur = '';
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur.trim());
  return out;
}

interface Axis {
  file: string;
  key: string;
  values: unknown[];
}

function parseAxes(sets: string[]): Axis[] {
  if (sets.length === 0)
    throw new MloError('USAGE', 'give the grid with --set key=value1,value2,...');
  const axes = sets.map((s) => {
    const { file, key } = parseSetArg(s);
    const raw = s.slice(s.indexOf('=') + 1);
    const values = splitValues(raw).map(parseScalar);
    if (values.some((v) => v === null && raw.trim() === ''))
      throw new MloError('USAGE', `--set ${s}: no values`);
    return { file, key, values };
  });
  const seen = new Set<string>();
  for (const a of axes) {
    const id = `${a.file}:${a.key}`;
    if (seen.has(id)) throw new MloError('USAGE', `--set ${a.key} is given twice`);
    seen.add(id);
  }
  return axes;
}

function grid(axes: Axis[]): ParamAssignment[][] {
  let combos: ParamAssignment[][] = [[]];
  for (const a of axes) {
    combos = combos.flatMap((c) =>
      a.values.map((value) => [...c, { file: a.file, key: a.key, value }]),
    );
  }
  return combos;
}

const label = (a: { file: string; key: string }): string =>
  a.file === 'params.yaml' ? a.key : `${a.file}:${a.key}`;

/** Whether a stage's declared key covers a swept key (same key, or a whole section). */
function covers(declared: string, swept: string): boolean {
  return declared === swept || swept.startsWith(`${declared}.`) || declared.startsWith(`${swept}.`);
}

function restoreSnapshot(repo: Repo, saved: Map<string, Buffer | undefined>): void {
  for (const [f, bytes] of saved) {
    if (bytes === undefined) rmSync(join(repo.root, f), { force: true });
    else writeFileAtomic(join(repo.root, f), bytes);
  }
}

/** Put every output back to what mlo.lock records, from the cache. Returns paths it could not. */
export function restoreLockedOutputs(repo: Repo): string[] {
  const lock = readLock(repo);
  const failed: string[] = [];
  const learned: HashState[] = [];
  for (const entry of lock.values()) {
    for (const e of [...entry.outs, ...entry.metrics]) {
      if (hashPath(repo, e.path, learned)?.hash === e.hash) continue;
      if (!isCached(repo, e) || !restorePath(repo, e)) failed.push(e.path);
    }
  }
  if (learned.length) putHashStates(repo.store, learned);
  return failed;
}

export async function expRun(repo: Repo, options: ExpRunOptions): Promise<ExpRunResult> {
  const axes = parseAxes(options.set);
  const pipeline = loadPipeline(repo);
  const dag = buildDag(pipeline);
  const selected = selectStages(dag, options.targets);
  const users = new Set<string>();
  for (const a of axes) {
    const using = selected.filter((n) =>
      (dag.byName.get(n)?.params ?? []).some(
        (p) => p.file === a.file && (p.keys.length === 0 || p.keys.some((k) => covers(k, a.key))),
      ),
    );
    if (using.length === 0) {
      throw new MloError('USAGE', `no stage uses param ${label(a)}`, {
        hint: 'list it under "params:" of the stage that reads it, or sweep a param a stage uses',
      });
    }
    using.forEach((n) => users.add(n));
  }
  const forceStages = new Set([...downstreamOf(dag, users)].filter((n) => selected.includes(n)));
  const limit = maxExpansions();
  const size = productUpTo(
    axes.map((a) => a.values.length),
    limit,
  );
  if (size > limit) {
    throw new MloError(
      'USAGE',
      `--set: the sweep has ${size} combinations, more than the limit of ${limit}`,
      { hint: raiseHint },
    );
  }
  const combos = grid(axes);
  const sweep = randomBytes(4).toString('hex');
  const files = [...new Set(axes.map((a) => a.file)), LOCK_FILE];
  // The commit the sweep started from; the params edits would make every run "dirty".
  const git = await readGitInfo(repo.root);
  const release = acquireReproLock(repo, 'mlo exp run');
  // Saved in .mlo/ before the first edit: a sweep killed with -9 cannot leave a swept
  // value in params.yaml for the next sweep to take as the original.
  let guard: ReturnType<typeof protectFiles>;
  try {
    guard = protectFiles(repo, 'mlo exp run', files);
  } catch (err) {
    release();
    throw err;
  }
  const saved = guard.saved;
  const combinations: ExpCombination[] = [];
  try {
    for (let i = 0; i < combos.length; i++) {
      if (options.stop?.stopped) break;
      const params = Object.fromEntries(combos[i].map((a) => [label(a), a.value]));
      options.onCombination?.({ index: i, total: combos.length, params });
      restoreSnapshot(repo, new Map([...saved].filter(([f]) => f !== LOCK_FILE)));
      setParams(repo, combos[i]);
      const r = await repro(repo, {
        targets: options.targets,
        jobs: options.jobs,
        forceStages,
        experiment: options.experiment,
        mlflow: options.mlflow,
        tags: {
          [SWEEP_TAG]: sweep,
          [COMBO_TAG]: String(i),
          [COMBO_PARAMS_TAG]: JSON.stringify(params),
        },
        stop: options.stop,
        git,
        onEvent: options.onEvent,
        onOutput: options.onOutput,
        lockHeld: true,
      });
      combinations.push({
        index: i,
        params,
        ok: r.ok,
        stages: r.stages,
        runs: r.stages.flatMap((s) => (s.runId ? [s.runId] : [])),
      });
    }
  } finally {
    restoreSnapshot(repo, saved);
    guard.release();
    restoreLockedOutputs(repo);
    release();
  }
  return {
    sweep,
    combinations,
    ok: combinations.length === combos.length && combinations.every((c) => c.ok),
    ...(options.stop?.signal && { stopped: options.stop.signal }),
  };
}

export interface ExpShowRow {
  combo: number;
  params: Record<string, unknown>;
  status: RunStatus;
  metrics: Record<string, number | null>;
  runs: { id: string; stage: string | null; status: RunStatus }[];
}

export interface ExpShowResult {
  sweep: string;
  /** the swept params */
  params: string[];
  metrics: string[];
  experiments: ExpShowRow[];
}

const tagFilter = (key: string, op: string, value: string): string =>
  `tags.\`${key}\` ${op} '${value.replace(/'/g, "''")}'`;

function findSweep(repo: Repo, ref: string | undefined): string {
  if (ref === undefined) {
    const { rows } = queryRunRows(repo.store, {
      filter: parseFilter(`tags.\`${SWEEP_TAG}\` is not null`),
      sort: [{ field: { kind: 'attr', name: 'start' }, desc: true }],
      limit: 1,
    });
    if (rows.length === 0) {
      throw new MloError('NOT_FOUND', 'no sweeps yet', {
        hint: 'run one: mlo exp run --set train.lr=0.01,0.1',
      });
    }
    return (JSON.parse(rows[0].tags_json) as Record<string, string>)[SWEEP_TAG];
  }
  const { rows } = queryRunRows(repo.store, {
    filter: parseFilter(tagFilter(SWEEP_TAG, 'like', `${ref}%`)),
  });
  const ids = [
    ...new Set(rows.map((r) => (JSON.parse(r.tags_json) as Record<string, string>)[SWEEP_TAG])),
  ];
  if (ids.length === 0) throw new MloError('NOT_FOUND', `no sweep ${ref}`);
  if (ids.length > 1)
    throw new MloError('USAGE', `sweep id ${ref} is ambiguous: ${ids.join(', ')}`);
  return ids[0];
}

const STATUS_RANK: Record<RunStatus, number> = { finished: 0, running: 1, killed: 2, failed: 3 };

export function expShow(repo: Repo, options: { sweep?: string } = {}): ExpShowResult {
  const sweep = findSweep(repo, options.sweep);
  const { rows } = queryRunRows(repo.store, {
    filter: parseFilter(tagFilter(SWEEP_TAG, '=', sweep)),
    sort: [{ field: { kind: 'attr', name: 'start' }, desc: false }],
  });
  const byCombo = new Map<number, RunListRow[]>();
  for (const r of rows) {
    const tags = JSON.parse(r.tags_json) as Record<string, string>;
    const combo = Number(tags[COMBO_TAG] ?? 0);
    byCombo.set(combo, [...(byCombo.get(combo) ?? []), r]);
  }
  const paramKeys = new Set<string>();
  const metricKeys = new Set<string>();
  const experiments: ExpShowRow[] = [...byCombo.keys()]
    .sort((a, b) => a - b)
    .map((combo) => {
      const runs = byCombo.get(combo) as RunListRow[];
      const tags = JSON.parse(runs[0].tags_json) as Record<string, string>;
      const params = JSON.parse(tags[COMBO_PARAMS_TAG] ?? '{}') as Record<string, unknown>;
      Object.keys(params).forEach((k) => paramKeys.add(k));
      const metrics: Record<string, number | null> = {};
      // later stages win when two stages log the same key
      for (const r of runs)
        Object.assign(metrics, JSON.parse(r.metrics_json) as Record<string, number | null>);
      Object.keys(metrics).forEach((k) => metricKeys.add(k));
      const status = runs
        .map((r) => r.status)
        .reduce((a, b) => (STATUS_RANK[b] > STATUS_RANK[a] ? b : a));
      return {
        combo,
        params,
        status,
        metrics,
        runs: runs.map((r) => ({ id: r.id, stage: r.stage, status: r.status })),
      };
    });
  return { sweep, params: [...paramKeys], metrics: [...metricKeys].sort(), experiments };
}
