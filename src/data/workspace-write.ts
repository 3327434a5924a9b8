/**
 * Writing into the workspace without following links. A committed symbolic link
 * (`linkdir -> /elsewhere`) must not let a checkout or a pull write outside the
 * repository, and a race between a check and the write must not redirect it.
 *
 * On Linux each directory on the way is opened with O_NOFOLLOW | O_DIRECTORY,
 * starting from the repository root and relative to the directory opened before it
 * (through /proc/self/fd/N, Node having no openat). Files are then renamed into
 * `/proc/self/fd/N/name`, which the kernel resolves to the directory we opened, so
 * swapping a folder for a link after the check changes nothing: this is the
 * "open the parent without following links and create relative to it" pattern.
 *
 * Where /proc/self/fd is absent (macOS), every component is checked with lstat just
 * before each write instead; a local process racing that check could still win, a
 * committed link cannot.
 */
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { MloError, errnoCode } from '../errors.js';
import { tempPathFor } from '../util/atomic.js';
import { environmentError, writingTo } from '../util/fs.js';
import { quoteName, unsafePathReason } from './safe-path.js';

const DIR_FLAGS = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0);

interface OpenDir {
  name: string;
  fd: number;
}

let procFdWorks: boolean | undefined;

export class WorkspaceWriter {
  readonly root: string;
  private rootFd: number | undefined;
  /** directories open along the path last used (a stack from the root down) */
  private readonly stack: OpenDir[] = [];
  private stackRel: string[] = [];

  constructor(root: string) {
    this.root = root;
    if (procFdWorks !== false) {
      const fd = openSync(root, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
      if (procFdWorks === undefined) procFdWorks = sameFile(`/proc/self/fd/${fd}`, root);
      if (procFdWorks) this.rootFd = fd;
      else closeSync(fd);
    }
  }

  /** Refuse a destination mlo must never write (the root, `..`, `.git`, `.mlo`). */
  static check(rel: string): void {
    const why = unsafePathReason(rel, { allowControl: true });
    if (why) throw new MloError('INVALID', `refusing to write ${quoteName(rel)}: it ${why}`);
  }

  /**
   * A path naming `rel` whose every parent was reached without following a link:
   * use it at once for one operation. Missing parents are created when `create`;
   * otherwise undefined when a parent is missing.
   */
  path(rel: string, create: boolean): string | undefined {
    WorkspaceWriter.check(rel);
    const slash = rel.lastIndexOf('/');
    const name = rel.slice(slash + 1);
    const parent = slash < 0 ? [] : rel.slice(0, slash).split('/');
    const dir =
      this.rootFd === undefined ? this.checkDir(parent, create) : this.openDir(parent, create);
    return dir === undefined ? undefined : `${dir}/${name}`;
  }

  /**
   * Move a finished temp file (or directory) to `rel`. A directory in the way is
   * removed only when it is empty, or when `replaceTree` says `rel` is a tracked
   * output itself (which checkout may replace whole).
   */
  place(tmp: string, rel: string, options: { replaceTree?: boolean } = {}): void {
    const dest = this.path(rel, true)!;
    const existing = lstatOrUndefined(dest);
    if (existing?.isDirectory()) {
      if (options.replaceTree) rmSync(dest, { recursive: true, force: true });
      else {
        try {
          rmdirSync(dest);
        } catch (err) {
          if (errnoCode(err) !== 'ENOTEMPTY' && errnoCode(err) !== 'EEXIST') throw err;
          throw new MloError(
            'CONFLICT',
            `${quoteName(rel)} is a folder that is not empty; a tracked file belongs there`,
            { hint: `move it away, then run the command again` },
          );
        }
      }
    }
    try {
      renameSync(tmp, dest);
    } catch (err) {
      // the temp is ours: a refusal is about the destination, named as the user knows it
      throw environmentError(err, join(this.root, rel), true) ?? err;
    }
  }

  /**
   * Write a small file atomically: a temp in `tmpDir` (beside the target when that
   * is another file system), fsync'd, then placed like `place`.
   */
  writeFile(rel: string, data: string | Uint8Array, tmpDir: string): void {
    this.path(rel, true); // make the parents, refusing links
    const attempt = (dir: string): void => {
      const tmp = tempPathFor(rel, dir);
      try {
        writingTo(join(this.root, rel), () =>
          writeFileSync(tmp, data, { flag: 'wx', flush: true }),
        );
        this.place(tmp, rel);
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
    };
    try {
      attempt(tmpDir);
    } catch (err) {
      if (errnoCode(err) !== 'EXDEV') throw err;
      attempt(dirname(join(this.root, rel)));
    }
  }

  /** Remove a file (never a directory); nothing when it is already gone. */
  removeFile(rel: string): void {
    const p = this.path(rel, false);
    if (p === undefined) return;
    const st = lstatOrUndefined(p);
    if (st && !st.isDirectory()) rmSync(p, { force: true });
  }

  /** Remove a tracked output whole (a file, a link or a directory tree). */
  removeTree(rel: string): void {
    const p = this.path(rel, false);
    if (p !== undefined) rmSync(p, { recursive: true, force: true });
  }

  /** Remove directories left empty, from `relDir` up to (not including) `stopRel`. */
  pruneEmpty(relDir: string, stopRel: string): void {
    let d = relDir;
    while (d.length > stopRel.length && d.startsWith(`${stopRel}/`)) {
      const p = this.path(d, false);
      if (p === undefined) return;
      try {
        rmdirSync(p);
      } catch {
        return;
      }
      d = posix.dirname(d);
    }
  }

  /** stat (following a final link, as into the cache in symlink mode) of `rel`. */
  stat(rel: string): Stats {
    return statSync(this.path(rel, false) ?? join(this.root, rel));
  }

  close(): void {
    this.popTo(0);
    if (this.rootFd !== undefined) closeSync(this.rootFd);
    this.rootFd = undefined;
  }

  private popTo(depth: number): void {
    while (this.stack.length > depth) closeSync(this.stack.pop()!.fd);
    this.stackRel = this.stackRel.slice(0, depth);
  }

  private openDir(parts: string[], create: boolean): string | undefined {
    let k = 0;
    while (k < parts.length && k < this.stack.length && this.stackRel[k] === parts[k]) k++;
    this.popTo(k);
    for (let i = k; i < parts.length; i++) {
      const at = `/proc/self/fd/${i === 0 ? this.rootFd : this.stack[i - 1].fd}/${parts[i]}`;
      let fd: number;
      try {
        fd = openSync(at, DIR_FLAGS);
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT' && create) {
          try {
            mkdirSync(at);
          } catch (e) {
            if (errnoCode(e) !== 'EEXIST') throw e;
          }
          fd = this.openOrRefuse(at, parts, i);
        } else if (code === 'ENOENT') return undefined;
        else throw this.refusal(parts, i, this.whyNot(at, code));
      }
      this.stack.push({ name: parts[i], fd });
      this.stackRel.push(parts[i]);
    }
    const top = parts.length === 0 ? this.rootFd : this.stack[parts.length - 1].fd;
    return `/proc/self/fd/${top}`;
  }

  private openOrRefuse(at: string, parts: string[], i: number): number {
    try {
      return openSync(at, DIR_FLAGS);
    } catch (err) {
      throw this.refusal(parts, i, this.whyNot(at, errnoCode(err)));
    }
  }

  /** O_NOFOLLOW | O_DIRECTORY on a link says ENOTDIR on Linux: look at what is there. */
  private whyNot(at: string, code: string | undefined): string | undefined {
    if (code !== 'ENOTDIR' && code !== 'ELOOP') return code;
    return lstatOrUndefined(at)?.isSymbolicLink() ? 'ELOOP' : 'ENOTDIR';
  }

  /** The lstat fallback: every component a real directory right now. */
  private checkDir(parts: string[], create: boolean): string | undefined {
    let abs = this.root;
    for (let i = 0; i < parts.length; i++) {
      abs = join(abs, parts[i]);
      const st = lstatOrUndefined(abs);
      if (st === undefined) {
        if (!create) return undefined;
        try {
          mkdirSync(abs);
        } catch (e) {
          if (errnoCode(e) !== 'EEXIST') throw e;
        }
        if (!lstatSync(abs).isDirectory()) throw this.refusal(parts, i, 'ELOOP');
      } else if (st.isSymbolicLink()) throw this.refusal(parts, i, 'ELOOP');
      else if (!st.isDirectory()) throw this.refusal(parts, i, 'ENOTDIR');
    }
    return abs;
  }

  private refusal(parts: string[], i: number, code: string | undefined): Error {
    const at = parts.slice(0, i + 1).join('/');
    if (code === 'ELOOP' || code === 'EMLINK') {
      return new MloError(
        'INVALID',
        `refusing to write through ${quoteName(at)}: it is a symbolic link, and mlo never writes through links (it could lead outside the repository)`,
        { hint: `if the link is meant to be there, track the data at the place it points to` },
      );
    }
    if (code === 'ENOTDIR') {
      return new MloError(
        'CONFLICT',
        `${quoteName(at)} is a file where a folder is needed; move it away and run the command again`,
      );
    }
    const err = new Error(`cannot open ${at} (${code ?? 'unknown error'})`);
    (err as NodeJS.ErrnoException).code = code;
    (err as NodeJS.ErrnoException).path = join(this.root, at);
    return err;
  }
}

function lstatOrUndefined(p: string): Stats | undefined {
  return lstatSync(p, { throwIfNoEntry: false });
}

function sameFile(a: string, b: string): boolean {
  try {
    const x = statSync(a);
    const y = statSync(b);
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}
