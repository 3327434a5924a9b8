/** `mlo serve`: a registered model over HTTP until SIGTERM or SIGINT. */
import { InvalidArgumentError, type Command } from 'commander';
import { MloError } from '../errors.js';
import type {
  AccessEntry,
  Repo,
  Server,
  ServeConfig,
  ServeEvent,
  ServeOptions,
  ServedModelInfo,
  ServerTarget,
} from '../index.js';
import { parseDuration } from '../util/duration.js';
import { action, collect, cwdOf, lib, parsePositiveInt, readTokenEnv } from './common.js';
import { color } from './render/color.js';
import { note, print, warn } from './render/output.js';
import { waitForSignal } from './signals.js';

interface ServeFlags {
  port?: number;
  host?: string;
  canary?: string;
  shadow?: string;
  tokenEnv?: string;
  logPredictions?: boolean;
  maxBatch?: number;
  maxDelayMs?: number;
  threads?: number;
  maxBodyBytes?: number;
  maxRows?: number;
  logQueueRows?: number;
  bundle?: string;
  stateDir?: string;
  accessLog?: boolean;
  ramp?: string;
  every?: string;
  guard: string[];
  minRequests?: number;
  from?: string;
}

function parseWholeNumber(flag: string, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n > max) {
      throw new InvalidArgumentError(
        `${flag} must be a whole number from 0 to ${max}, got "${value}"`,
      );
    }
    return n;
  };
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description(
      'serve a registered model over HTTP: /predict, KServe V2, MLflow /invocations, /metrics',
    )
    .argument(
      '[model]',
      'NAME, NAME@VERSION or NAME@ALIAS (alias moves are picked up without a restart), or a FILE.onnx (no repository needed); default: serve.model in mlo.yaml',
    )
    .option(
      '--bundle <dir|file>',
      'serve a model bundle (mlo model export --bundle): its hashes are checked first; no repository needed',
    )
    .option(
      '--state-dir <dir>',
      'with --bundle, FILE.onnx or --from URL: where the server writes (its store, prediction log and spool); default $MLO_STATE_DIR or ./mlo-state, for --from URL ~/.local/state/mlo/replicas/<id>',
    )
    .option(
      '--port <n>',
      'port to listen on (0 picks a free one; default 8080)',
      parseWholeNumber('--port', 65535),
    )
    .option('--host <address>', 'address to bind; the default, 127.0.0.1, serves this machine only')
    .option(
      '--canary <NAME@REF[:PCT]>',
      'send PCT% of requests (by request id) to another version (with --ramp: no PCT)',
    )
    .option(
      '--ramp <pcts>',
      "with --canary: the canary's shares step by step, e.g. 5,25,50,100; at 100 the alias served moves to it",
    )
    .option(
      '--every <duration>',
      'with --ramp: how long each step runs before it is judged (default 10m)',
    )
    .option(
      '--guard <expr>',
      'with --ramp: must hold at every step, else all traffic goes back at once (repeatable), e.g. "error_rate <= champion + 0.01", "p99_ms <= 50", "accuracy >= champion - 0.02"',
      collect,
      [],
    )
    .option(
      '--min-requests <n>',
      'with --ramp: canary requests a step needs before it is judged (default 20)',
      parsePositiveInt('--min-requests'),
    )
    .option(
      '--shadow <NAME@REF>',
      'also run this version on every request after answering, and log its outputs',
    )
    .option(
      '--token-env <VAR>',
      'require "Authorization: Bearer <token>", the token read from $VAR',
    )
    .option(
      '--log-predictions',
      'write inputs and outputs to the prediction log (for mlo drift check --predictions, mlo perf, mlo monitor) and take labels on POST /feedback',
    )
    .option('--no-log-predictions', 'do not log, whatever serve.log_predictions in mlo.yaml says')
    .option(
      '--max-batch <n>',
      'rows per model run when batching concurrent requests (1: off; default 32)',
      parsePositiveInt('--max-batch'),
    )
    .option(
      '--max-delay-ms <ms>',
      'how long a request may wait for others to batch with (default 0)',
      parseWholeNumber('--max-delay-ms', 10_000),
    )
    .option(
      '--threads <n>',
      'model worker threads (0: run the model on the HTTP thread; default 0)',
      parseWholeNumber('--threads', 64),
    )
    .option(
      '--max-body-bytes <n>',
      'largest request body (default 4 MiB)',
      parsePositiveInt('--max-body-bytes'),
    )
    .option(
      '--max-rows <n>',
      'most rows in one request (default 10000)',
      parsePositiveInt('--max-rows'),
    )
    .option(
      '--log-queue-rows <n>',
      'prediction log rows held in memory for the writer; beyond, rows wait in .mlo/spool (default 100000)',
      parsePositiveInt('--log-queue-rows'),
    )
    .option(
      '--access-log',
      'print one JSON line per request on stdout (for Loki, ELK); the start-up lines go to stderr',
    )
    .option(
      '--from <remote|url>',
      'serve from a team server: follow its registry and ship the prediction log to it (a URL needs no repository; token from $MLO_TOKEN)',
    )
    .action(
      action(async (modelArg: string | undefined, opts: ServeFlags, cmd: Command) => {
        const { startServer, createFeedbackHandler, ServingFeatures, startReplicaSync } =
          await lib();
        const target = await openServeTarget(modelArg, opts, cwdOf(cmd));
        const { repo, config, model, replica } = target;
        // with --access-log, stdout holds only the JSON lines
        const say = opts.accessLog ? note : print;
        // Signals are handled from here on: a SIGTERM that comes as soon as "listening"
        // is printed (a supervisor, a test) would otherwise find no handler yet and kill
        // the process outright. One during start-up stops it once it has started.
        const signalled = waitForSignal();
        try {
          for (const line of target.notes) note(line);
          const tokenEnv = opts.tokenEnv ?? config.token_env;
          const token = tokenEnv === undefined ? undefined : readTokenEnv(tokenEnv);
          const f = config.features;
          const features = f
            ? await ServingFeatures.open(repo, {
                service: f.service,
                refs: f.refs,
                fullNames: f.full_names,
                log: f.log,
              })
            : undefined;
          if (features)
            features.onError = (err) => warn(`feature serving log: ${(err as Error).message}`);
          const server = await startServer(repo, {
            model,
            port: opts.port ?? config.port ?? 8080,
            host: opts.host ?? config.host ?? '127.0.0.1',
            canary:
              opts.ramp !== undefined && opts.canary !== undefined
                ? { ref: opts.canary, percent: 0 }
                : (opts.canary ?? config.canary),
            ...(opts.ramp !== undefined && {
              rollout: rolloutOf(opts, repo, lib),
            }),
            shadow: opts.shadow ?? config.shadow,
            token,
            // a replica logs by default: shipping the log back is what it is for
            logPredictions: opts.logPredictions ?? config.log_predictions ?? Boolean(replica),
            maxBatch: opts.maxBatch ?? config.max_batch,
            maxDelayMs: opts.maxDelayMs ?? config.max_delay_ms,
            threads: opts.threads ?? config.threads,
            maxBodyBytes: opts.maxBodyBytes ?? config.max_body_bytes,
            maxRows: opts.maxRows ?? config.max_rows,
            logQueueRows: opts.logQueueRows,
            feedback: createFeedbackHandler(repo),
            ...(opts.accessLog && { onAccess: accessLogWriter() }),
            onEvent: renderEvent,
            features,
          }).catch(async (err: unknown) => {
            await features?.close();
            throw err;
          });
          renderStart(server, Boolean(token), target.stateDir, say);
          if (features) {
            say(
              `  online features: ${features.outputs.join(', ')} by ${features.keys.join(', ')}; POST /get-online-features`,
            );
          }
          const sync =
            replica &&
            startReplicaSync(repo, replica, {
              onEvent: (e) => (e.level === 'warn' ? warn(e.message) : note(e.message)),
            });
          if (replica) say(`  following ${replica.name}: alias moves, prediction log shipped`);
          const signal = await signalled;
          note(`${signal}: finishing requests in flight, then stopping`);
          const summary = await server.close();
          await features?.close();
          if (sync) {
            const s = await sync.close();
            say(
              `prediction log: ${s.shipped} row(s) sent to ${replica.name}` +
                (s.unshipped
                  ? `; ${s.unshipped} not yet sent (the next mlo serve --from sends them)`
                  : ''),
            );
          }
          const log = summary.log;
          const logged = log
            ? `; prediction log: ${log.written} row(s) written, ${log.dropped} dropped` +
              (log.pending > 0
                ? `, ${log.pending} left in .mlo/spool (the next mlo serve or drift check writes them)`
                : '')
            : '';
          say(
            `stopped: ${summary.requests} request(s) answered, ${summary.finishedInFlight} of them during shutdown${logged}`,
          );
        } finally {
          repo.close();
        }
      }),
    );
}

/** The server's registry before serving; a replica that has it already serves through an outage. */
async function pullReplica(repo: Repo, target: ServerTarget): Promise<void> {
  const { pullRegistry, isMloError } = await lib();
  try {
    const r = await pullRegistry(repo, target);
    if (r.applied) note(`pulled ${r.applied} record(s) from ${target.name}`);
  } catch (err) {
    if (!isMloError(err) || err.code !== 'UNAVAILABLE') throw err;
    warn(`${err.message}; serving what this replica pulled before`);
  }
}

interface ServeTarget {
  repo: Repo;
  model: string;
  config: ServeConfig;
  notes: string[];
  /** set when serving outside a repository: where the log and the model copy live */
  stateDir?: string;
  /** with --from: the team server this replica follows */
  replica?: ServerTarget;
}

/** Flags win over the serve: section of mlo.yaml, which wins over the defaults. */
function serveConfigOf(
  L: Awaited<ReturnType<typeof lib>>,
  repo: Repo,
  modelArg: string | undefined,
): ServeTarget {
  const config = L.loadServeConfig(repo.root);
  const model = modelArg ?? config.model;
  if (model === undefined) {
    throw new MloError('USAGE', 'mlo serve: name the model to serve', {
      hint: 'mlo serve NAME@ALIAS, or set serve.model in mlo.yaml',
    });
  }
  return { repo, model, config, notes: [] };
}

/**
 * The repository to serve from: the project's, or for a bundle or a bare ONNX file a
 * state directory the model is imported into.
 */
async function openServeTarget(
  modelArg: string | undefined,
  opts: ServeFlags,
  cwd: string,
): Promise<ServeTarget> {
  const L = await lib();
  if (opts.from !== undefined) {
    if (opts.bundle !== undefined || (modelArg !== undefined && L.looksLikeOnnxFile(modelArg))) {
      throw new MloError(
        'USAGE',
        '--from serves a registered model; drop --bundle or the FILE.onnx',
      );
    }
    const { repo, target } = L.openReplica(opts.from, { cwd, stateDir: opts.stateDir });
    try {
      await pullReplica(repo, target);
      return { ...serveConfigOf(L, repo, modelArg), replica: target };
    } catch (err) {
      repo.close();
      throw err;
    }
  }
  if (opts.bundle !== undefined || (modelArg !== undefined && L.looksLikeOnnxFile(modelArg))) {
    if (opts.bundle !== undefined && modelArg !== undefined) {
      throw new MloError('USAGE', `--bundle serves the bundle's model; drop "${modelArg}"`);
    }
    const stateDir = L.stateDirOf(opts.stateDir, cwd);
    const s =
      opts.bundle !== undefined
        ? await L.prepareBundleServe({ bundle: opts.bundle, stateDir, cwd })
        : await L.prepareOnnxServe({ file: modelArg!, stateDir, cwd });
    return { ...s, stateDir };
  }
  if (opts.stateDir !== undefined) {
    throw new MloError('USAGE', '--state-dir goes with --bundle or a FILE.onnx', {
      hint: 'inside a repository the prediction log goes to its store',
    });
  }
  const repo = L.openRepo(cwd);
  try {
    return serveConfigOf(L, repo, modelArg);
  } catch (err) {
    repo.close();
    throw err;
  }
}

function renderEvent(e: ServeEvent): void {
  if (e.level === 'warn') warn(e.message);
  else note(e.message);
}

function describeModel(m: ServedModelInfo): string {
  const ref = `${m.name}@${m.version}`;
  return m.ref === ref ? color.bold(ref) : `${color.bold(ref)} (${m.ref})`;
}

/** --ramp, --every, --guard and --min-requests as the server's rollout plan. */
function rolloutOf(
  opts: ServeFlags,
  repo: Repo,
  load: typeof lib,
): NonNullable<ServeOptions['rollout']> {
  if (opts.canary === undefined) {
    throw new MloError('USAGE', '--ramp needs --canary NAME@REF: the version to ramp up');
  }
  const steps = opts.ramp!.split(',').map((p) => Number(p.trim().replace(/%$/, '')));
  if (steps.some((p) => !Number.isFinite(p))) {
    throw new MloError('USAGE', `--ramp ${opts.ramp}: expected percentages, e.g. 5,25,50,100`);
  }
  return {
    steps,
    everyMs: parseDuration(opts.every ?? '10m', '--every'),
    guards: opts.guard,
    minRequests: opts.minRequests,
    // labelled metrics as mlo perf measures them, on the version's traffic of the step
    labelled: async (metric, model, sinceMs) => {
      const { measurePerformance } = await load();
      const r = await measurePerformance(repo, {
        model: `${model.name}@${model.version}`,
        since: `${Math.max(1, Math.ceil((Date.now() - sinceMs) / 1000))}s`,
        save: false,
      });
      return r.overall.enough ? (r.overall.metrics[metric]?.value ?? null) : null;
    },
  };
}

/** JSON lines on stdout, gathered per turn of the event loop (one write per burst). */
function accessLogWriter(): (entry: AccessEntry) => void {
  let buf = '';
  const flush = (): void => {
    process.stdout.write(buf);
    buf = '';
  };
  return (entry) => {
    if (buf === '') setImmediate(flush);
    buf += `${JSON.stringify(entry)}\n`;
  };
}

function renderStart(
  server: Server,
  auth: boolean,
  stateDir: string | undefined,
  say: (line: string) => void,
): void {
  const models = server.models();
  const main = models.find((m) => m.route === 'main')!;
  say(`serving ${describeModel(main)} on ${server.url}`);
  for (const m of models) {
    if (m.route === 'canary') say(`  canary ${describeModel(m)}: ${m.percent}% of requests`);
    if (m.route === 'shadow')
      say(`  shadow ${describeModel(m)}: runs after every answer, never returned`);
  }
  if (server.logWriter) {
    say(
      stateDir === undefined
        ? `  prediction log: on`
        : `  prediction log: on, in ${stateDir} (mlo -C ${stateDir} drift check --model ${main.ref} --predictions)`,
    );
  } else if (stateDir !== undefined) {
    say(`  state directory: ${stateDir}`);
  }
  if (auth) say(`  bearer token required (health checks excepted)`);
  say(
    `  POST /predict · POST /invocations · POST /v2/models/${main.name}/infer · GET /metrics · GET / lists all`,
  );
  say(`listening on ${server.url} (Ctrl-C to stop)`);
}
