/**
 * `mlo log metric|param|tag|artifact`: log into a run from a shell script, the run
 * named by --run or, inside `mlo exec`, by $MLO_RUN_ID.
 */
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { startRun, type ArtifactInfo } from './run.js';

export type LogEntry =
  | { kind: 'metric'; key: string; value: number | string; step?: number }
  | { kind: 'param'; key: string; value: string }
  | { kind: 'tag'; key: string; value: string }
  | { kind: 'artifact'; path: string; name?: string };

export interface LogToRunOptions {
  /** run id, prefix or name (default: $MLO_RUN_ID) */
  run?: string;
  cwd?: string;
}

export interface LogToRunResult {
  run: string;
  artifact?: ArtifactInfo;
}

/** A metric value typed in a shell: a number, or nan / inf / -inf. */
export function parseMetricValue(text: string | number): number {
  if (typeof text === 'number') return text;
  const s = text.trim().toLowerCase();
  if (s === 'nan') return NaN;
  if (s === 'inf' || s === '+inf' || s === 'infinity') return Infinity;
  if (s === '-inf' || s === '-infinity') return -Infinity;
  const n = Number(s);
  if (s === '' || Number.isNaN(n))
    throw new MloError('USAGE', `metric value must be a number, got "${text}"`);
  return n;
}

export async function logToRun(
  repo: Repo,
  entry: LogEntry,
  options: LogToRunOptions = {},
): Promise<LogToRunResult> {
  const ref = options.run ?? process.env.MLO_RUN_ID;
  if (!ref) {
    throw new MloError('USAGE', 'no run to log to', {
      hint: 'run inside `mlo exec` (which sets MLO_RUN_ID) or pass --run ID',
    });
  }
  const run = await startRun(repo, { attach: ref, endOnExit: false });
  let artifact: ArtifactInfo | undefined;
  switch (entry.kind) {
    case 'metric':
      run.logMetric(entry.key, parseMetricValue(entry.value), entry.step);
      break;
    case 'param':
      run.logParam(entry.key, entry.value);
      break;
    case 'tag':
      run.setTag(entry.key, entry.value);
      break;
    case 'artifact':
      artifact = await run.logArtifact(entry.path, { name: entry.name, cwd: options.cwd });
      break;
  }
  await run.end();
  return { run: run.id, ...(artifact && { artifact }) };
}
