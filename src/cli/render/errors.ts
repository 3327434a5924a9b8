/** The one place an error becomes output and an exit code. */
import { CommanderError } from 'commander';
import { ExitCode, errnoCode, isMloError } from '../../errors.js';
import { environmentError } from '../../util/fs.js';
import { errColor } from './color.js';

/**
 * SQLite's own words for a full disk or a read-only store (better-sqlite3 gives
 * SQLITE_* codes, no path): the environment's fault, exit 2.
 */
function sqliteEnvironment(code: string): string | undefined {
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC')
    return 'cannot write the store (.mlo/mlo.db): the disk is full or failing';
  if (code.startsWith('SQLITE_READONLY'))
    return 'the store (.mlo/mlo.db) is read-only: a read-only file system, or no write permission on .mlo/';
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH')
    return 'cannot open the store (.mlo/mlo.db): check the permissions of .mlo/ and of mlo.db';
  return undefined;
}

function line(label: string, text: string, paint: (s: string) => string): void {
  const [first, ...rest] = text.split('\n');
  process.stderr.write(`${paint(`${label}:`)} ${first}\n`);
  for (const r of rest) process.stderr.write(`${paint(`${label}:`)} ${r}\n`);
}

export function reportError(err: unknown): number {
  const debug = process.env.MLO_DEBUG === '1';
  if (err instanceof CommanderError) {
    // commander already printed its message
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version')
      return ExitCode.OK;
    if (err.code === 'commander.help') return err.exitCode;
    return ExitCode.USAGE;
  }
  if (isMloError(err)) {
    line('error', err.message, errColor.red);
    if (err.hint) line('hint', err.hint, errColor.cyan);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const env = environmentError(err);
  const sqlite = env ? undefined : sqliteEnvironment(errnoCode(err) ?? '');
  if (env || sqlite) {
    line('error', env?.message ?? (sqlite as string), errColor.red);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return ExitCode.USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  line('error', `internal error: ${message}`, errColor.red);
  line('hint', 'this is a bug in mlo: rerun with MLO_DEBUG=1 and report the output', errColor.cyan);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return ExitCode.INTERNAL;
}
