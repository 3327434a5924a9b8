/** The one place an error becomes output and an exit code. */
import { CommanderError } from 'commander';
import { ExitCode, errnoCode, isMloError } from '../../errors.js';
import { errColor } from './color.js';

const USER_ENV_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  EDQUOT: 'disk quota exceeded',
};

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
  const code = errnoCode(err);
  if (code && USER_ENV_ERRORS[code]) {
    const e = err as NodeJS.ErrnoException;
    line('error', `${USER_ENV_ERRORS[code]}${e.path ? `: ${e.path}` : ''} (${code})`, errColor.red);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return ExitCode.INTERNAL;
  }
  const message = err instanceof Error ? err.message : String(err);
  line('error', `internal error: ${message}`, errColor.red);
  line('hint', 'this is a bug in mlo: rerun with MLO_DEBUG=1 and report the output', errColor.cyan);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return ExitCode.INTERNAL;
}
