/**
 * Running a retraining: under the retrain lock (never two at once, in any process),
 * each argv of the trigger's action as a subprocess without a shell — by default
 * `mlo repro` then `mlo promote NAME --to ALIAS` — stopping at the first that fails.
 * The reason reaches every run the action starts as tags (mlo.retrain.trigger,
 * mlo.retrain.reason, mlo.retrain.id, through $MLO_RUN_TAGS) and the promotion's audit
 * detail (through $MLO_REASON); the retraining itself is a row of retrain_runs.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { MloError } from '../../errors.js';
import type { Repo } from '../../repo/index.js';
import { finishRetrainRun, insertRetrainRun } from '../../store/index.js';
import { libraryEntry } from '../../util/library.js';
import { defaultAction, type MonitorConfig, type TriggerConfig } from '../alerts/config.js';
import { acquireLock, RETRAIN_LOCK } from './lock.js';

export interface RetrainStep {
  argv: string[];
  exitCode: number | null;
  ms: number;
  /** the last lines of its output */
  tail: string;
}

export interface RetrainResult {
  trigger: string;
  reason: string;
  /** busy: another retraining holds the lock; nothing ran */
  status: 'succeeded' | 'failed' | 'busy';
  /** the retrain_runs row */
  id: number | null;
  steps: RetrainStep[];
  /** busy: who holds the lock */
  holder?: { pid: number; host: string; since: string; purpose: string | null };
}

export interface RetrainOptions {
  /** the mlo launcher to run for argv[0] "mlo" (default: this installation's bin/mlo.js) */
  mloBin?: string;
}

/** This installation's bin/mlo.js (dist/ sits beside bin/), else the one running now. */
function mloLauncher(): string[] {
  const lib = libraryEntry();
  if (lib) {
    const bin = join(dirname(lib), '..', 'bin', 'mlo.js');
    if (existsSync(bin)) return [process.execPath, bin];
  }
  const argv1 = process.argv[1];
  if (argv1 && /mlo(\.js)?$/.test(argv1)) return [process.execPath, argv1];
  return ['mlo'];
}

const TAIL_BYTES = 4000;

function runStep(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<RetrainStep> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let tail = '';
    const keep = (d: Buffer): void => {
      tail = (tail + d.toString()).slice(-TAIL_BYTES);
    };
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => {
      tail += `\n(mlo monitor: stopped after ${timeoutMs} ms)`;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ argv, exitCode: null, ms: Date.now() - t0, tail: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ argv, exitCode: code, ms: Date.now() - t0, tail });
    });
  });
}

export async function runRetrain(
  repo: Repo,
  config: MonitorConfig,
  trigger: TriggerConfig,
  reason: string,
  options: RetrainOptions = {},
): Promise<RetrainResult> {
  const action = trigger.run ?? defaultAction(config.model);
  if (!action) {
    throw new MloError(
      'USAGE',
      `trigger ${trigger.name} has no run, and monitor.model is not NAME@ALIAS`,
    );
  }
  const lock = acquireLock(repo, RETRAIN_LOCK, `${trigger.name}: ${reason}`);
  if (!lock.ok) {
    const h = lock.holder;
    return {
      trigger: trigger.name,
      reason,
      status: 'busy',
      id: null,
      steps: [],
      holder: {
        pid: h.pid,
        host: h.host,
        since: new Date(h.acquired_ms).toISOString(),
        purpose: h.purpose,
      },
    };
  }
  try {
    const started = Date.now();
    const id = insertRetrainRun(repo.store, {
      trigger: trigger.name,
      reason,
      started_ms: started,
      status: 'running',
      pid: process.pid,
      host: hostname(),
    });
    const launcher = options.mloBin ? [process.execPath, options.mloBin] : mloLauncher();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MLO_REASON: `retrain ${trigger.name}: ${reason}`,
      MLO_RUN_TAGS: JSON.stringify({
        'mlo.retrain.trigger': trigger.name,
        'mlo.retrain.reason': reason,
        'mlo.retrain.id': String(id),
      }),
    };
    // runs of the action are its own, not a run this process was started in
    delete env.MLO_RUN_ID;
    const steps: RetrainStep[] = [];
    let ok = true;
    for (const argv of action) {
      const full = argv[0] === 'mlo' ? [...launcher, ...argv.slice(1)] : argv;
      const step = await runStep(
        full,
        repo.root,
        env,
        Math.max(1000, trigger.timeoutMs - (Date.now() - started)),
      );
      steps.push({ ...step, argv });
      if (step.exitCode !== 0) {
        ok = false;
        break;
      }
    }
    const status = ok ? 'succeeded' : 'failed';
    finishRetrainRun(repo.store, id, {
      status,
      finishedMs: Date.now(),
      detail: { steps: steps.map((s) => ({ argv: s.argv, exitCode: s.exitCode, ms: s.ms })) },
    });
    return { trigger: trigger.name, reason, status, id, steps };
  } finally {
    lock.handle.release();
  }
}
