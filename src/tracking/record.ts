/**
 * Recording runs that already happened — an importer's, a sync's or a generated
 * fixture's — in one transaction through the store's batch primitive. Starting and
 * ending 100,000 runs one by one costs two transactions each; this costs one.
 */
import { hostname } from 'node:os';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import {
  finishRun,
  insertRun,
  withWriteLock,
  type RunBatch,
  type SeriesBatch,
} from '../store/index.js';
import { DEFAULT_EXPERIMENT } from './run.js';
import { newRunId } from './ids.js';
import { randomRunName } from './names.js';
import { keyProblem, paramText, type ParamValue } from './writer.js';

/** A metric's points: values at steps 0, 1, 2 ... unless steps are given. */
export interface RecordedSeries {
  values: ArrayLike<number>;
  steps?: ArrayLike<number>;
  /** epoch ms; default: the run's start plus one second per point */
  timestamps?: ArrayLike<number>;
}

export interface RecordedRun {
  id?: string;
  name?: string;
  experiment?: string;
  status?: 'finished' | 'failed' | 'killed';
  startMs: number;
  /** default: the start */
  endMs?: number;
  stage?: string;
  command?: string;
  exitCode?: number;
  gitCommit?: string;
  params?: Record<string, ParamValue>;
  tags?: Record<string, ParamValue>;
  /** a number is one point at step 0 */
  metrics?: Record<string, number | RecordedSeries>;
}

function checkKeys(what: string, obj: Record<string, unknown> | undefined): void {
  for (const k of Object.keys(obj ?? {})) {
    const problem = keyProblem(k);
    if (problem) throw new MloError('USAGE', `${what}: ${problem}`);
  }
}

function seriesOf(key: string, m: number | RecordedSeries, startMs: number): SeriesBatch {
  const s = typeof m === 'number' ? { values: [m] } : m;
  const n = s.values.length;
  const steps = new Float64Array(n);
  const ts = new Float64Array(n);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    steps[i] = s.steps ? s.steps[i] : i;
    ts[i] = s.timestamps ? s.timestamps[i] : startMs + i * 1000;
    vals[i] = s.values[i];
  }
  return { key, n, steps, ts, vals };
}

/** Write finished runs, all or none; returns their ids in order. */
export function recordRuns(repo: Repo, runs: Iterable<RecordedRun>): string[] {
  const host = hostname();
  return withWriteLock(repo.store, () => {
    const ids: string[] = [];
    for (const r of runs) {
      checkKeys('params', r.params);
      checkKeys('tags', r.tags);
      checkKeys('metrics', r.metrics);
      const id = r.id ?? newRunId();
      if (!/^[0-9a-f]{32}$/.test(id))
        throw new MloError('USAGE', `run id must be 32 hex digits: ${id}`);
      const seq = insertRun(repo.store, {
        id,
        name: r.name ?? randomRunName(),
        experiment: r.experiment ?? DEFAULT_EXPERIMENT,
        startMs: r.startMs,
        stage: r.stage,
        command: r.command,
        gitCommit: r.gitCommit,
        host,
      });
      const batch: RunBatch = {
        params: Object.entries(r.params ?? {}).map(([k, v]) => [k, paramText(v)]),
        tags: Object.entries(r.tags ?? {}).map(([k, v]) => [k, paramText(v)]),
        series: Object.entries(r.metrics ?? {}).map(([k, m]) => seriesOf(k, m, r.startMs)),
      };
      finishRun(
        repo.store,
        seq,
        { status: r.status ?? 'finished', endMs: r.endMs ?? r.startMs, exitCode: r.exitCode },
        batch,
      );
      ids.push(id);
    }
    return ids;
  });
}
