/**
 * What this repository remembers about a remote, under .mlo/remotes/<name>-<url id>/:
 * the index of objects known to be there (so a push of an unchanged repository asks
 * the remote almost nothing), and the journals that let a killed transfer resume.
 * All of it is a cache: deleting the folder costs requests, never correctness.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { errnoCode } from '../../errors.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { ownerState, ownerTag } from '../../util/owner.js';
import type { RemoteObject } from './types.js';

const INDEX_FILE = 'index';
// `# mlo remote index v2 here=<dev>:<inode of its folder> epoch=<remote's epoch>`
const INDEX_HEADER = '# mlo remote index v2 here=';
const HEADER_RE = /^# mlo remote index v2 here=(\S+) epoch=(.*)$/;
const LINE_RE = /^([0-9a-f]{64}) (\d+)$/;

/**
 * Which folder an index was written in, as numbers a committer cannot know: a
 * `.mlo/remotes/...` folder that a commit brought (git add -f) is made by the clone,
 * with an inode of its own, so the index in it is not believed. Believed, it would
 * tell push that objects are on the remote which are not, and push would skip them.
 */
function placeOf(dir: string): string {
  const st = statSync(dir);
  return `${st.dev}:${st.ino}`;
}

/** The state folder of one remote: named after it, and after its URL so a changed URL starts afresh. */
export function remoteStateDir(dotDir: string, name: string, url: string): string {
  const id = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return join(dotDir, 'remotes', `${name}-${id}`);
}

/**
 * Objects known to be on the remote, with their sizes. Valid only for the epoch it
 * was built in: a gc of the remote (from any machine) writes a new epoch first.
 * Appended to as objects arrive, so a killed push keeps what it learnt.
 */
export class RemoteIndex {
  private readonly file: string;
  private entries = new Map<string, number>();
  private fileEpoch: string | undefined;
  /** the file ends in a line a kill cut short: the next append starts a new line */
  private torn = false;

  private constructor(
    private readonly dir: string,
    /** false: remember nothing (the remote is cheaper to ask than to trust, e.g. a local folder) */
    private readonly enabled: boolean,
  ) {
    this.file = join(dir, INDEX_FILE);
  }

  static load(dir: string, options: { enabled?: boolean } = {}): RemoteIndex {
    const index = new RemoteIndex(dir, options.enabled ?? true);
    if (!index.enabled) return index;
    let text: string;
    try {
      text = readFileSync(index.file, 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return index;
      throw err;
    }
    index.torn = text.length > 0 && !text.endsWith('\n');
    const lines = text.split('\n');
    const header = HEADER_RE.exec(lines[0] ?? '');
    // an older format, or another folder's index: start afresh (it is only a cache)
    if (!header || header[1] !== placeOf(dir)) return index;
    index.fileEpoch = header[2];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      // a line cut short by a kill is simply not known
      if (line.length < 66) continue;
      const m = LINE_RE.exec(line);
      if (m) index.entries.set(m[1], Number(m[2]));
    }
    return index;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The epoch the index belongs to, or undefined when there is none yet. */
  get epoch(): string | undefined {
    return this.fileEpoch;
  }

  has(hash: string, size?: number): boolean {
    const known = this.entries.get(hash);
    return known !== undefined && (size === undefined || known === size);
  }

  /** Start over for a new epoch (or the first time). */
  reset(epoch: string): void {
    this.entries.clear();
    this.fileEpoch = epoch;
    this.torn = false;
    if (!this.enabled) return;
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(this.file, this.header(), { fsync: false });
  }

  /** Move to a new epoch that this process caused (its own gc), forgetting `removed`. */
  rebase(epoch: string, removed: Iterable<string>): void {
    if (this.fileEpoch === undefined) return this.reset(epoch);
    this.fileEpoch = epoch;
    for (const h of removed) this.entries.delete(h);
    this.rewrite();
  }

  add(objects: Iterable<{ hash: string; size: number }>): void {
    let text = '';
    for (const o of objects) {
      if (this.entries.get(o.hash) === o.size) continue;
      this.entries.set(o.hash, o.size);
      text += `${o.hash} ${o.size}\n`;
    }
    if (!this.enabled || text === '' || this.fileEpoch === undefined) return;
    appendFileSync(this.file, this.torn ? `\n${text}` : text);
    this.torn = false;
  }

  /**
   * After a complete listing of some fan-out prefixes: forget what those prefixes no
   * longer hold, learn what they do.
   */
  replaceFanouts(fanouts: ReadonlySet<string>, seen: readonly RemoteObject[]): void {
    let dropped = false;
    for (const h of this.entries.keys()) {
      if (fanouts.has(h.slice(0, 2))) {
        this.entries.delete(h);
        dropped = true;
      }
    }
    if (dropped) {
      for (const o of seen) this.entries.set(o.hash, o.size);
      this.rewrite();
    } else this.add(seen);
  }

  remove(hashes: Iterable<string>): void {
    let dropped = false;
    for (const h of hashes) dropped = this.entries.delete(h) || dropped;
    if (dropped) this.rewrite();
  }

  private header(): string {
    return `${INDEX_HEADER}${placeOf(this.dir)} epoch=${this.fileEpoch ?? ''}\n`;
  }

  private rewrite(): void {
    if (!this.enabled || this.fileEpoch === undefined) return;
    mkdirSync(this.dir, { recursive: true });
    const parts = [this.header()];
    for (const [h, s] of this.entries) parts.push(`${h} ${s}\n`);
    writeFileAtomic(this.file, parts.join(''), { fsync: false });
    this.torn = false;
  }
}

/**
 * A small JSON journal of one resumable transfer. `owner` names its writer
 * (util/owner.ts: pid, start time, host): a journal whose writer still runs belongs
 * to another mlo and is left alone.
 */
export interface Journal {
  owner: string;
}

export function readJournal<T extends Journal>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    // absent, or torn by a kill before its first rename: nothing to resume
    return undefined;
  }
}

export function writeJournal(file: string, journal: Journal): void {
  writeFileAtomic(file, JSON.stringify(journal), { fsync: false });
}

/** Whether a journal's writer is some other process that is still running. */
export function ownedByOther(journal: Journal): boolean {
  if (typeof journal.owner !== 'string' || journal.owner === ownerTag()) return false;
  return ownerState(journal.owner) === 'alive';
}

/** The journals in one subfolder (uploads/ or downloads/), by hash. */
export function listJournals(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^[0-9a-f]{64}\.json$/.test(f))
    .map((f) => f.slice(0, 64));
}

export function removeQuietly(path: string): void {
  rmSync(path, { force: true });
}
