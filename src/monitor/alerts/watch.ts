/**
 * `mlo monitor watch`: evaluate the rules every `every` until stopped. A retraining
 * runs in the background (the lock keeps it single) while evaluations go on; on stop,
 * the loop waits for it.
 */
import type { Repo } from '../../repo/index.js';
import type { RetrainResult } from '../triggers/retrain.js';
import { loadMonitorConfig } from './config.js';
import { runMonitors, type MonitorRunOptions, type MonitorRunResult } from './run.js';

export interface MonitorWatchOptions extends Omit<MonitorRunOptions, 'awaitRetrain'> {
  /** between evaluations (default: monitor.every, else 1 minute) */
  everyMs?: number;
  signal: AbortSignal;
  onResult: (r: MonitorRunResult) => void;
  onRetrain?: (r: RetrainResult) => void;
  onError?: (err: unknown) => void;
}

export async function watchMonitors(repo: Repo, options: MonitorWatchOptions): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  while (!options.signal.aborted) {
    const config = loadMonitorConfig(repo.root);
    const everyMs = options.everyMs ?? config.everyMs;
    const started = Date.now();
    try {
      const r = await runMonitors(repo, { ...options, config, awaitRetrain: false });
      options.onResult(r);
      if (r.retraining) {
        const p = r.retraining.then((list) => list.forEach((x) => options.onRetrain?.(x)));
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
    } catch (err) {
      if (!options.onError) throw err;
      options.onError(err);
    }
    const wait = Math.max(0, everyMs - (Date.now() - started));
    // the listener goes with its wait: one per evaluation would pile up on a long watch
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        options.signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, wait);
      options.signal.addEventListener('abort', done, { once: true });
    });
  }
  await Promise.allSettled([...pending]);
}
