/**
 * SQLite's "busy" and "locked" answers: another process held the store's write lock
 * for longer than the busy timeout. That is the user's situation (a long write in
 * another terminal, a stuck process), not a bug: one line, exit 2. Kept apart from
 * open.ts so the CLI's error reporter can use it without loading SQLite.
 */
import { MloError, errnoCode } from '../errors.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 15_000;
export const BUSY_TIMEOUT_ENV = 'MLO_BUSY_TIMEOUT_MS';

/** How long a writer waits for another's lock: $MLO_BUSY_TIMEOUT_MS or 15 s. */
export function busyTimeoutMs(): number {
  const raw = process.env[BUSY_TIMEOUT_ENV];
  if (raw === undefined || raw === '') return DEFAULT_BUSY_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MloError(
      'USAGE',
      `${BUSY_TIMEOUT_ENV}=${raw}: expected milliseconds (a whole number)`,
    );
  }
  return n;
}

/** The one-line error for SQLITE_BUSY / SQLITE_LOCKED (and their extended codes), else undefined. */
export function storeBusyError(err: unknown, path = '.mlo/mlo.db'): MloError | undefined {
  if (err instanceof MloError) return undefined;
  const code = errnoCode(err);
  if (code === undefined || !/^SQLITE_(BUSY|LOCKED)/.test(code)) return undefined;
  const waited = (() => {
    try {
      return busyTimeoutMs();
    } catch {
      return DEFAULT_BUSY_TIMEOUT_MS;
    }
  })();
  return new MloError(
    'ENVIRONMENT',
    `the store is locked by another process: ${path} (waited ${waited / 1000} s; ${code})`,
    {
      hint: `another mlo command is writing to it: retry when it has finished (${BUSY_TIMEOUT_ENV} sets how long mlo waits)`,
      cause: err,
    },
  );
}
