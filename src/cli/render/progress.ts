/**
 * A progress bar on stderr for long work, only when stderr is a terminal.
 * cli-progress is loaded only then, so piped and CI runs pay nothing.
 */
import type { ProgressEvent, ProgressFn } from '../../util/progress.js';

export interface ProgressReporter {
  onProgress: ProgressFn | undefined;
  stop(): void;
}

const QUIET: ProgressReporter = { onProgress: undefined, stop: () => undefined };

/** Bars appear only for work at least this large. */
const MIN_BYTES = 64 << 20;
const MIN_ITEMS = 2000;

export async function createProgress(): Promise<ProgressReporter> {
  if (!process.stderr.isTTY || process.env.CI) return QUIET;
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  let bar: InstanceType<typeof SingleBar> | undefined;
  let phase = '';
  const onProgress = (e: ProgressEvent): void => {
    const big =
      (e.unit === 'bytes' ? e.total >= MIN_BYTES : e.total >= MIN_ITEMS) ||
      (e.objects?.total ?? 0) >= MIN_ITEMS;
    if (!big) return;
    if (!bar || phase !== e.phase) {
      bar?.stop();
      phase = e.phase;
      const objects = e.objects ? ' {objects_done}/{objects_total} objects' : '';
      const fmt =
        e.unit === 'bytes'
          ? `${e.phase} [{bar}] {percentage}% {value_mib}/{total_mib} MiB${objects} eta {eta_formatted}`
          : `${e.phase} [{bar}] {percentage}% {value}/{total} ${e.unit} eta {eta_formatted}`;
      bar = new SingleBar(
        { format: fmt, stream: process.stderr, hideCursor: true, clearOnComplete: true },
        Presets.shades_classic,
      );
      bar.start(e.total, 0, { ...mib(0, e.total), ...objectCounts(e) });
    }
    if (bar.getTotal() !== e.total) bar.setTotal(e.total);
    bar.update(e.done, e.unit === 'bytes' ? { ...mib(e.done, e.total), ...objectCounts(e) } : {});
  };
  return { onProgress, stop: () => bar?.stop() };
}

function objectCounts(e: ProgressEvent): Record<string, number> {
  return e.objects ? { objects_done: e.objects.done, objects_total: e.objects.total } : {};
}

function mib(done: number, total: number): Record<string, string> {
  return { value_mib: (done / 1048576).toFixed(0), total_mib: (total / 1048576).toFixed(0) };
}
