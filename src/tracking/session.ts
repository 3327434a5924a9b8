/**
 * A command executed as a run — what `mlo exec` and every pipeline stage do. The
 * child gets MLO_RUN_ID and MLO_LOG; lines it appends to MLO_LOG are ingested while
 * it runs and once more when it ends; its output is streamed to the caller, kept as
 * the run's `output.log` artifact, and its tail stored on the run.
 */
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { MloError, errnoCode, isMloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { latestMetrics } from '../store/index.js';
import { applyLogLine, type LogSink } from './log-lines.js';
import { readMetricsFile } from './metrics-file.js';
import { runCommand, signalExitCode, type CommandSpec, type StopSignal } from './process.js';
import { startRun, type Run, type StartRunOptions } from './run.js';
import { FileTail } from './tail.js';
import type { PathEntry } from './paths.js';
import { libraryEntry } from '../util/library.js';
import { environmentError } from '../util/fs.js';

export interface CommandRunOptions {
  /** run one after the other; the first failure ends the run */
  commands: CommandSpec[];
  /** absolute directory the commands run in */
  cwd: string;
  env?: Record<string, string | undefined>;
  run: Omit<StartRunOptions, 'attach' | 'endOnExit'>;
  inputs?: PathEntry[];
  /** repo-relative metric files read when the commands succeed */
  metricsFiles?: string[];
  stdin?: 'inherit' | 'ignore';
  stop?: StopSignal;
  graceMs?: number;
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
  onStart?: (run: { id: string; name: string }) => void;
  /**
   * Called after the commands succeeded, before the run is marked finished (record
   * outputs here). Throwing marks the run failed with the error's message.
   */
  onSuccess?: (run: Run) => Promise<void>;
  /**
   * Serve the MLflow API to the commands on a loopback port for the run's lifetime
   * (MLFLOW_TRACKING_URI, MLFLOW_RUN_ID, a per-run MLFLOW_TRACKING_TOKEN), so MLflow
   * code logs into this run unchanged. Default true.
   */
  mlflow?: boolean;
}

export interface CommandRunResult {
  id: string;
  name: string;
  status: 'finished' | 'failed' | 'killed';
  /** the command's exit code; 128 + n when killed by signal n */
  exitCode: number;
  error?: string;
  logTail: string;
  /** latest value of every metric of the run */
  metrics: Record<string, number | null>;
  warnings: string[];
  /**
   * Set when the command succeeded but mlo could not keep what it produced (an
   * artifact refused or lost): the run is failed, and `mlo exec` exits with it.
   */
  problem?: MloError;
}

/** How often a live MLO_LOG is read. */
const POLL_MS = 200;
/** Output kept in memory for the tail stored on the run. */
const TAIL_BYTES = 16 << 10;
const TAIL_LINES = 40;
/** Warnings about malformed MLO_LOG lines, before they are only counted. */
const MAX_LINE_WARNINGS = 5;
/** File systems with coarse mtimes: a file written during the run may look this much older. */
const MTIME_SLACK_MS = 2000;

class OutputCapture {
  private chunks: Buffer[] = [];
  private size = 0;
  private fd: number | undefined;
  bytes = 0;

  constructor(readonly logPath: string) {
    this.fd = openSync(logPath, 'a');
  }

  write(chunk: Buffer): void {
    if (this.fd !== undefined) writeSync(this.fd, chunk);
    this.bytes += chunk.length;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= TAIL_BYTES) {
      this.size -= (this.chunks.shift() as Buffer).length;
    }
  }

  tail(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    const lines = text.replace(/\n$/, '').split('\n');
    return lines.slice(-TAIL_LINES).join('\n');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Why an artifact was not kept, as one line naming it. */
function artifactProblem(path: string, err: unknown): MloError {
  if (isMloError(err)) {
    return err.message.startsWith(`artifact ${path}`)
      ? err
      : new MloError(err.code, `artifact ${path}: ${err.message}`, { hint: err.hint, cause: err });
  }
  const env = environmentError(err);
  const e = err as NodeJS.ErrnoException;
  const code = errnoCode(err);
  const why =
    env?.message ??
    `${code ?? (err instanceof Error ? err.message : String(err))}${e.path ? `: ${e.path}` : ''}`;
  return new MloError(
    code === undefined ? 'INTERNAL' : 'ENVIRONMENT',
    `artifact ${path}: could not be kept in the cache: ${why}`,
    { cause: err },
  );
}

/** Reads MLO_LOG into the run; artifacts are cached between reads. */
class LogIngest {
  private readonly tail: FileTail;
  private readonly sink: LogSink;
  private artifacts: { path: string; name: string | undefined }[] = [];
  /** artifacts that were refused or could not be kept: they fail the run */
  readonly failures: MloError[] = [];
  private lineNo = 0;
  private bad = 0;
  private busy: Promise<void> | undefined;

  constructor(
    private readonly run: Run,
    logPath: string,
    private readonly cwd: string,
    private readonly warnings: string[],
  ) {
    this.tail = new FileTail(logPath);
    this.sink = {
      metric: (k, v, step, ts) =>
        run.logMetric(k, v as number, step, ts === undefined ? undefined : { timestamp: ts }),
      param: (k, v) => run.logParam(k, v),
      tag: (k, v) => run.setTag(k, v),
      artifact: (path, name) => this.artifacts.push({ path, name }),
    };
  }

  private onLine = (line: string): void => {
    this.lineNo++;
    const problem = applyLogLine(line, this.sink);
    if (problem === undefined) return;
    this.bad++;
    if (this.bad <= MAX_LINE_WARNINGS) {
      this.warnings.push(`MLO_LOG line ${this.lineNo}: ${problem}: ${line.slice(0, 120)}`);
    }
  };

  /** Read everything available now (in chunks, yielding so output keeps flowing). */
  poll(final = false): Promise<void> {
    // One reader at a time: a slow poll and the final drain must not interleave.
    const next = (this.busy ?? Promise.resolve()).then(() => this.drain(final));
    this.busy = next.catch(() => undefined);
    return next;
  }

  private async drain(final: boolean): Promise<void> {
    for (;;) {
      const n = this.tail.readChunk(this.onLine, final);
      this.run.flush();
      await this.cacheArtifacts();
      if (n === 0) break;
      await yieldToLoop();
    }
  }

  private async cacheArtifacts(): Promise<void> {
    const todo = this.artifacts;
    this.artifacts = [];
    for (const a of todo) {
      try {
        await this.run.logArtifact(a.path, { name: a.name, cwd: this.cwd });
      } catch (err) {
        this.failures.push(artifactProblem(a.path, err));
      }
    }
  }

  finish(): void {
    this.tail.close();
    if (this.bad > MAX_LINE_WARNINGS) {
      this.warnings.push(`MLO_LOG: ${this.bad} malformed line(s) in all were skipped`);
    }
  }
}

export async function runCommandAsRun(
  repo: Repo,
  options: CommandRunOptions,
): Promise<CommandRunResult> {
  const run = await startRun(repo, { ...options.run, attach: false, endOnExit: false });
  const warnings: string[] = [];
  const runDir = join(repo.tmpDir, 'runs', run.id);
  mkdirSync(runDir, { recursive: true });
  const logPath = join(runDir, 'mlo-log.jsonl');
  closeSync(openSync(logPath, 'a'));
  const output = new OutputCapture(join(runDir, 'output.log'));
  const ingest = new LogIngest(run, logPath, options.cwd, warnings);
  const startMs = Date.now();
  let status: CommandRunResult['status'] = 'finished';
  let exitCode = 0;
  let error: string | undefined;
  let problem: MloError | undefined;
  let failedByMlo = false;
  let timer: NodeJS.Timeout | undefined;
  let endpoint: { env: Record<string, string | undefined>; close(): Promise<void> } | undefined;
  try {
    for (const input of options.inputs ?? []) run.recordPath('input', input);
    if (options.mlflow !== false) {
      // loaded only here: the HTTP server costs nothing to commands that start no run
      const { startRunEndpoint } = await import('../mlflow/in-run.js');
      endpoint = await startRunEndpoint(repo, run.id);
    }
    run.flush();
    options.onStart?.({ id: run.id, name: run.name });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PYTHONUNBUFFERED: process.env.PYTHONUNBUFFERED ?? '1',
      ...options.env,
      ...endpoint?.env,
      MLO_RUN_ID: run.id,
      MLO_LOG: logPath,
    };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const lib = libraryEntry();
    if (lib !== undefined) env.MLO_LIB ??= lib;
    let ingestError: unknown;
    timer = setInterval(() => {
      ingest.poll().catch((err: unknown) => {
        // keep the run going; the final read retries and reports
        ingestError ??= err;
      });
    }, POLL_MS);
    for (const command of options.commands) {
      const outcome = await runCommand(command, {
        cwd: options.cwd,
        env,
        stdin: options.stdin,
        stop: options.stop,
        graceMs: options.graceMs,
        onOutput: (stream, chunk) => {
          output.write(chunk);
          options.onOutput?.(stream, chunk);
        },
      });
      if (outcome.stopped || options.stop?.stopped) {
        status = 'killed';
        const sig = options.stop?.signal ?? 'SIGTERM';
        exitCode = signalExitCode(sig);
        error = `stopped by ${sig}`;
        break;
      }
      if (outcome.exitCode !== 0) {
        status = 'failed';
        exitCode = outcome.exitCode;
        error = outcome.error ?? `exited with code ${outcome.exitCode}`;
        break;
      }
    }
    clearInterval(timer);
    timer = undefined;
    try {
      await ingest.poll(true);
    } catch (err) {
      warnings.push(`MLO_LOG: could not record logged values: ${(err as Error).message}`);
    }
    if (ingestError !== undefined && warnings.every((w) => !w.startsWith('MLO_LOG: could not'))) {
      warnings.push(
        `MLO_LOG: a live read failed (${(ingestError as Error).message}); recovered at the end`,
      );
    }
    const lost = ingest.failures;
    if (lost.length && status === 'finished') {
      status = 'failed';
      problem = lost[0];
      error = problem.message;
    }
    for (const e of lost) if (e !== problem) warnings.push(e.message);
    if (status === 'finished') {
      for (const rel of options.metricsFiles ?? []) {
        readMetricsInto(repo, run, rel, startMs, warnings);
      }
      if (options.onSuccess) {
        try {
          await options.onSuccess(run);
        } catch (err) {
          status = 'failed';
          exitCode = 1;
          error = isMloError(err) ? err.message : err instanceof Error ? err.message : String(err);
        }
      }
    }
  } catch (err) {
    // mlo itself failed mid-run: the run must not stay "running"
    failedByMlo = true;
    status = 'failed';
    exitCode = exitCode || 1;
    error = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    await endpoint?.close();
    ingest.finish();
    output.close();
    if (output.bytes > 0) {
      try {
        await run.keepOwnFile(output.logPath, 'output.log');
      } catch (err) {
        const lost = artifactProblem('output.log', err);
        if (status === 'finished' && !failedByMlo) {
          status = 'failed';
          problem = lost;
          error = lost.message;
        } else warnings.push(lost.message);
      }
    }
    await run.end(status, { exitCode, error, logTail: output.tail() });
    rmSync(runDir, { recursive: true, force: true });
  }
  const metrics: Record<string, number | null> = {};
  for (const m of latestMetrics(repo.store, run.seq)) metrics[m.key] = m.value;
  return {
    id: run.id,
    name: run.name,
    status,
    exitCode,
    error,
    logTail: output.tail(),
    metrics,
    warnings,
    ...(problem && { problem }),
  };
}

function readMetricsInto(
  repo: Repo,
  run: Run,
  rel: string,
  startMs: number,
  warnings: string[],
): void {
  const abs = join(repo.root, rel);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st) {
    warnings.push(`metrics file ${rel} was not written`);
    return;
  }
  if (st.mtimeMs < startMs - MTIME_SLACK_MS) {
    warnings.push(`metrics file ${rel} is older than the run (not written by it): ignored`);
    return;
  }
  try {
    const values = readMetricsFile(abs, rel);
    for (const [k, v] of Object.entries(values)) run.logMetric(k, v as number);
    run.flush();
  } catch (err) {
    warnings.push(err instanceof Error ? err.message : String(err));
  }
}
