/** `mlo ui`: the web UI over this repository's store, on loopback, until Ctrl-C. */
import { spawn } from 'node:child_process';
import { InvalidArgumentError, type Command } from 'commander';
import { action, cwdOf, lib } from './common.js';
import { note, print, warn } from './render/output.js';
import { waitForSignal } from './signals.js';

interface UiFlags {
  port?: number;
  host?: string;
  open: boolean;
  readOnly?: boolean;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) {
    throw new InvalidArgumentError(`--port must be a whole number from 0 to 65535, got "${value}"`);
  }
  return n;
}

/** The platform's way to open a URL; $BROWSER wins. Failing to open is only a warning. */
function openBrowser(url: string): void {
  const cmd =
    process.env.BROWSER ??
    (process.platform === 'darwin'
      ? 'open'
      : process.platform === 'win32'
        ? 'explorer'
        : 'xdg-open');
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () =>
      warn(`could not start ${cmd} to open the browser; open ${url} yourself`),
    );
    child.unref();
  } catch {
    warn(`could not open the browser; open ${url} yourself`);
  }
}

export function registerUiCommands(program: Command): void {
  program
    .command('ui')
    .description(
      'browse runs, models, data quality and serving in a web UI (serves MLflow’s API too)',
    )
    .option('--port <n>', 'port to listen on (0 picks a free one; default 5252)', parsePort)
    .option('--host <address>', 'address to bind; the default, 127.0.0.1, serves this machine only')
    .option('--no-open', 'do not open a browser')
    .option('--read-only', 'refuse everything that writes (promotion previews, MLflow writes)')
    .action(
      action(async (opts: UiFlags, cmd: Command) => {
        const { openRepo, serveUi } = await lib();
        const repo = openRepo(cwdOf(cmd));
        // handled before "listening" is printed: see `mlo serve`
        const signalled = waitForSignal();
        try {
          const ui = await serveUi(repo, {
            port: opts.port,
            host: opts.host,
            readOnly: opts.readOnly,
          });
          print(`mlo ui: ${ui.url}`);
          print(`  MLflow clients: MLFLOW_TRACKING_URI=${ui.url.replace(/\/$/, '')}`);
          if (opts.host && !['127.0.0.1', 'localhost', '::1'].includes(opts.host))
            warn(
              `listening on ${opts.host}: anyone who reaches it can read this repository's store`,
            );
          print('listening (Ctrl-C to stop)');
          if (opts.open) openBrowser(ui.url);
          const signal = await signalled;
          note(`${signal}: stopping`);
          await ui.close();
        } finally {
          repo.close();
        }
      }),
    );
}
