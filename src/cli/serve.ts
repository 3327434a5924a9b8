/** `mlo serve`: a registered model over HTTP until SIGTERM or SIGINT. */
import { InvalidArgumentError, type Command } from 'commander';
import { MloError } from '../errors.js';
import type { Server, ServeEvent, ServedModelInfo } from '../index.js';
import { action, cwdOf, lib, parsePositiveInt, readTokenEnv } from './common.js';
import { color } from './render/color.js';
import { note, print, warn } from './render/output.js';

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
      'NAME, NAME@VERSION or NAME@ALIAS (alias moves are picked up without a restart); default: serve.model in mlo.yaml',
    )
    .option(
      '--port <n>',
      'port to listen on (0 picks a free one; default 8080)',
      parseWholeNumber('--port', 65535),
    )
    .option('--host <address>', 'address to bind; the default, 127.0.0.1, serves this machine only')
    .option('--canary <NAME@REF:PCT>', 'send PCT% of requests (by request id) to another version')
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
      'write inputs and outputs to the prediction log (for mlo drift check --predictions)',
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
    .action(
      action(async (modelArg: string | undefined, opts: ServeFlags, cmd: Command) => {
        const { openRepo, startServer, loadServeConfig, ServingFeatures } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          // flags win over the serve: section of mlo.yaml, which wins over the defaults
          const config = loadServeConfig(repo.root);
          const model = modelArg ?? config.model;
          if (model === undefined) {
            throw new MloError('USAGE', 'mlo serve: name the model to serve', {
              hint: 'mlo serve NAME@ALIAS, or set serve.model in mlo.yaml',
            });
          }
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
            canary: opts.canary ?? config.canary,
            shadow: opts.shadow ?? config.shadow,
            token,
            logPredictions: opts.logPredictions ?? config.log_predictions,
            maxBatch: opts.maxBatch ?? config.max_batch,
            maxDelayMs: opts.maxDelayMs ?? config.max_delay_ms,
            threads: opts.threads ?? config.threads,
            maxBodyBytes: opts.maxBodyBytes ?? config.max_body_bytes,
            maxRows: opts.maxRows ?? config.max_rows,
            logQueueRows: opts.logQueueRows,
            onEvent: renderEvent,
            features,
          }).catch(async (err: unknown) => {
            await features?.close();
            throw err;
          });
          renderStart(server, Boolean(token));
          if (features) {
            print(
              `  online features: ${features.outputs.join(', ')} by ${features.keys.join(', ')}; POST /get-online-features`,
            );
          }
          const signal = await waitForSignal();
          note(`${signal}: finishing requests in flight, then stopping`);
          const summary = await server.close();
          await features?.close();
          const log = summary.log;
          const logged = log
            ? `; prediction log: ${log.written} row(s) written, ${log.dropped} dropped` +
              (log.pending > 0
                ? `, ${log.pending} left in .mlo/spool (the next mlo serve or drift check writes them)`
                : '')
            : '';
          print(
            `stopped: ${summary.requests} request(s) answered, ${summary.finishedInFlight} of them during shutdown${logged}`,
          );
        } finally {
          repo.close();
        }
      }),
    );
}

function renderEvent(e: ServeEvent): void {
  if (e.level === 'warn') warn(e.message);
  else note(e.message);
}

function describeModel(m: ServedModelInfo): string {
  const ref = `${m.name}@${m.version}`;
  return m.ref === ref ? color.bold(ref) : `${color.bold(ref)} (${m.ref})`;
}

function renderStart(server: Server, auth: boolean): void {
  const models = server.models();
  const main = models.find((m) => m.route === 'main')!;
  print(`serving ${describeModel(main)} on ${server.url}`);
  for (const m of models) {
    if (m.route === 'canary') print(`  canary ${describeModel(m)}: ${m.percent}% of requests`);
    if (m.route === 'shadow')
      print(`  shadow ${describeModel(m)}: runs after every answer, never returned`);
  }
  if (server.logWriter) print(`  prediction log: on`);
  if (auth) print(`  bearer token required (health checks excepted)`);
  print(
    `  POST /predict · POST /invocations · POST /v2/models/${main.name}/infer · GET /metrics · GET / lists all`,
  );
  print(`listening on ${server.url} (Ctrl-C to stop)`);
}

/**
 * Resolves on the first SIGTERM or SIGINT. A second one while shutting down means
 * "now": the process exits at once, skipping the rest of the graceful stop.
 */
function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      const force = (): void => {
        warn(`${signal} again: stopping now without finishing requests in flight`);
        // the user asked twice; the graceful path is what they are cutting short
        process.exit(130);
      };
      process.once('SIGTERM', force);
      process.once('SIGINT', force);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
