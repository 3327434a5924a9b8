/** Helpers every command file uses: the library import, cwd, and exit codes. */
import { InvalidArgumentError, type Command } from 'commander';
import { MloError } from '../errors.js';

/** The library, loaded when a command runs (keeps `mlo --help` fast). */
// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- a type-only view of a lazily loaded module
export const lib = (): Promise<typeof import('../index.js')> => import('../index.js');

/**
 * The part of the public API the everyday data commands need (repo + data), so
 * `mlo status` does not load the whole library. Everything in it is also exported
 * by src/index.ts.
 */
// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- as above
export const dataLib = (): Promise<typeof import('./data-api.js')> => import('./data-api.js');

/** What `mlo add` needs (add-api.ts). */
// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- as above
export const addLib = (): Promise<typeof import('./add-api.js')> => import('./add-api.js');

/** What `mlo status` needs: no remotes, no store tables beyond the stat states. */
// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- as above
export const statusLib = (): Promise<typeof import('./status-api.js')> => import('./status-api.js');

/** The part the run-finding commands need (`mlo runs list|show|compare|delete`). */
// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- as above
export const runsLib = (): Promise<typeof import('./runs-api.js')> => import('./runs-api.js');

/** The part `mlo baseline` and `mlo drift` need (repo + monitor). */
// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- as above
export const driftLib = (): Promise<typeof import('./drift-api.js')> => import('./drift-api.js');

/** The directory the command runs in: `-C DIR` or the process's cwd. */
export function cwdOf(cmd: Command): string {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const dir = root.opts<{ directory?: string }>().directory;
  return dir ?? process.cwd();
}

/**
 * Wrap an action so it can return an exit code; the entry point applies it after
 * output is flushed (never process.exit in the middle of writing).
 */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void> | number | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const code = await fn(...args);
    if (typeof code === 'number' && code !== 0) process.exitCode = code;
  };
}

/** commander collects repeated options through this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parsePositiveInt(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) {
      throw new InvalidArgumentError(`${flag} must be a positive integer, got "${value}"`);
    }
    return n;
  };
}

/** A server's bearer token, from the environment variable `--token-env` names. */
export function readTokenEnv(variable: string): string {
  const token = process.env[variable];
  if (token === undefined || token.trim() === '') {
    throw new MloError(
      'USAGE',
      `--token-env ${variable}: that environment variable is not set or empty`,
      { hint: `export ${variable}=<token> before starting the server` },
    );
  }
  return token;
}
