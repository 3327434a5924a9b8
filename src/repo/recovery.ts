/**
 * Workspace files a command edits only for a while (a sweep's params.yaml, its
 * mlo.lock) survive the command being killed: their bytes are saved in
 * .mlo/recovery.json before the first change, and whichever mlo command opens the
 * repository next, once the owner is gone, puts them back and says so.
 *
 * The store's write lock serialises saving and recovering, so a recovery never
 * overwrites the edits of an owner that has just started.
 */
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, posix } from 'node:path';
import { MloError, errnoCode } from '../errors.js';
import { withWriteLock } from '../store/open.js';
import { writeFileAtomic } from '../util/atomic.js';
import { isNotFound } from '../util/fs.js';
import type { Repo } from './repo.js';

export const RECOVERY_FILE = 'recovery.json';

interface RecoveryRecord {
  pid: number;
  host: string;
  command: string;
  startMs: number;
  /** repo-relative path → its bytes (base64) before the command, or null: it did not exist */
  files: Record<string, string | null>;
}

/** What a recovery put back. */
export interface Recovered {
  command: string;
  pid: number;
  /** files whose bytes differed and were restored */
  files: string[];
}

type NoticeHandler = (message: string) => void;
let noticeHandler: NoticeHandler = (message) => process.stderr.write(`mlo: ${message}\n`);

/** Where "restored after an interrupted command" messages go (default: stderr). */
export function setRecoveryNoticeHandler(handler: NoticeHandler): void {
  noticeHandler = handler;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === 'EPERM';
  }
}

const recordPath = (repo: Repo): string => join(repo.dotDir, RECOVERY_FILE);

/** A saved path must be a plain repo-relative path (the record is local, but check). */
function safeRelative(rel: string): boolean {
  const norm = posix.normalize(rel);
  const first = norm.split('/')[0];
  return (
    norm === rel &&
    !rel.startsWith('/') &&
    first !== '..' &&
    first !== '.mlo' &&
    first !== '.git' &&
    norm !== '.'
  );
}

function readRecord(repo: Repo): RecoveryRecord | undefined | 'corrupt' {
  let text: string;
  try {
    text = readFileSync(recordPath(repo), 'utf8');
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  try {
    const r = JSON.parse(text) as RecoveryRecord;
    if (
      typeof r.pid !== 'number' ||
      typeof r.host !== 'string' ||
      typeof r.files !== 'object' ||
      r.files === null ||
      !Object.keys(r.files).every(safeRelative)
    )
      return 'corrupt';
    return r;
  } catch {
    return 'corrupt';
  }
}

const ownerAlive = (r: RecoveryRecord): boolean => r.host !== hostname() || alive(r.pid);

/** Put a dead owner's files back; the caller holds the store's write lock. */
function restoreRecord(repo: Repo, r: RecoveryRecord): Recovered {
  const changed: string[] = [];
  for (const [rel, b64] of Object.entries(r.files)) {
    const abs = join(repo.root, rel);
    let now: Buffer | undefined;
    try {
      now = readFileSync(abs);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (b64 === null) {
      if (now !== undefined) {
        rmSync(abs, { force: true });
        changed.push(rel);
      }
      continue;
    }
    const saved = Buffer.from(b64, 'base64');
    if (now !== undefined && now.equals(saved)) continue;
    writeFileAtomic(abs, saved);
    changed.push(rel);
  }
  rmSync(recordPath(repo), { force: true });
  return { command: r.command, pid: r.pid, files: changed };
}

/**
 * Restore files left edited by a command that died (kill -9, power loss). Cheap when
 * there is nothing to do: one failed stat. Returns what was restored, if anything.
 */
export function recoverInterrupted(repo: Repo): Recovered | undefined {
  if (!existsSync(recordPath(repo))) return undefined;
  const first = readRecord(repo);
  if (first === undefined || (first !== 'corrupt' && ownerAlive(first))) return undefined;
  const recovered = withWriteLock(repo.store, () => {
    const r = readRecord(repo);
    if (r === undefined) return undefined;
    if (r === 'corrupt') {
      const aside = `${recordPath(repo)}.bad`;
      renameSync(recordPath(repo), aside);
      noticeHandler(`${join('.mlo', RECOVERY_FILE)} was unreadable; moved it to ${aside}`);
      return undefined;
    }
    if (ownerAlive(r)) return undefined;
    return restoreRecord(repo, r);
  });
  if (recovered && recovered.files.length) {
    noticeHandler(
      `\`${recovered.command}\` (pid ${recovered.pid}) was interrupted: restored ${recovered.files.join(', ')} to what ${recovered.files.length > 1 ? 'they were' : 'it was'} before it ran`,
    );
  }
  return recovered;
}

/**
 * Save the current bytes of `files` (repo-relative) before `command` edits them.
 * Returns the saved bytes (undefined: absent) and `release`, to call once the
 * command has put them back itself.
 */
export function protectFiles(
  repo: Repo,
  command: string,
  files: readonly string[],
): { saved: Map<string, Buffer | undefined>; release(): void } {
  const saved = new Map<string, Buffer | undefined>();
  withWriteLock(repo.store, () => {
    const prior = readRecord(repo);
    if (prior === 'corrupt') renameSync(recordPath(repo), `${recordPath(repo)}.bad`);
    else if (prior !== undefined) {
      if (ownerAlive(prior)) {
        throw new MloError(
          'CONFLICT',
          `\`${prior.command}\` (pid ${prior.pid}${prior.host === hostname() ? '' : ` on ${prior.host}`}) is editing ${Object.keys(prior.files).join(', ')}`,
          {
            hint: `wait for it to finish; if it is gone (another machine or container), ${join('.mlo', RECOVERY_FILE)} holds the files as they were: put them back and delete it`,
          },
        );
      }
      restoreRecord(repo, prior);
    }
    const record: RecoveryRecord = {
      pid: process.pid,
      host: hostname(),
      command,
      startMs: Date.now(),
      files: {},
    };
    for (const rel of files) {
      if (!safeRelative(rel))
        throw new MloError('USAGE', `${rel}: not a path inside the repository`);
      let bytes: Buffer | undefined;
      try {
        bytes = readFileSync(join(repo.root, rel));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      saved.set(rel, bytes);
      record.files[rel] = bytes === undefined ? null : bytes.toString('base64');
    }
    writeFileAtomic(recordPath(repo), JSON.stringify(record));
  });
  return {
    saved,
    release: () => {
      const r = readRecord(repo);
      if (r !== undefined && r !== 'corrupt' && r.pid === process.pid && r.host === hostname())
        rmSync(recordPath(repo), { force: true });
    },
  };
}
