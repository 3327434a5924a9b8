/**
 * `mlo checkout`: make the workspace match the pointer files. A workspace file whose
 * content is not in the cache would be lost by overwriting it, so such files stop
 * the whole checkout (nothing is touched) unless `force` is set. Content that is in
 * the cache is replaced freely: it can always be checked out again.
 */
import { existsSync, rmSync, statSync, type Stats } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { putHashStates, type HashState } from '../store/index.js';
import { syncFileSystem, tempPathFor } from '../util/atomic.js';
import { lstatOrNull, writingTo } from '../util/fs.js';
import type { ProgressFn } from '../util/progress.js';
import { cacheOf, linkTypeOf } from './context.js';
import type { ManifestEntry } from './manifest.js';
import type { Pointer } from './pointer.js';
import { loadSelectedPointers } from './pointers.js';
import { saveSnapshot, scanDirectory, type ScannedFile } from './scan.js';
import { currentFileHash } from './status.js';
import { stateOf } from './workspace.js';
import type { ObjectCache } from './cache.js';
import { WorkspaceWriter } from './workspace-write.js';

export interface CheckoutOptions {
  cwd?: string;
  paths?: string[];
  /** overwrite or delete workspace content that is not in the cache */
  force?: boolean;
  onProgress?: ProgressFn;
}

export interface CheckoutResult {
  /** tracked paths whose workspace content changed */
  restored: string[];
  unchanged: string[];
  /** files deleted from tracked directories because the tracked version lacks them */
  removed: string[];
  /** tracked paths (or files of tracked directories) whose objects are not in the cache */
  missing: string[];
}

interface FileWrite {
  rel: string;
  hash: string;
  /** what the pointer or manifest says the file holds */
  size: number;
}

interface Plan {
  pointer: Pointer;
  writes: FileWrite[];
  removes: string[];
  /** the workspace path is the wrong kind (a file where a directory belongs, or back) */
  replaceKind: boolean;
  /** for directories: the target manifest and what the scan found unchanged */
  manifest?: ManifestEntry[];
  scanned?: Map<string, ScannedFile>;
}

export async function checkout(repo: Repo, options: CheckoutOptions = {}): Promise<CheckoutResult> {
  const pointers = loadSelectedPointers(repo, options.cwd ?? process.cwd(), options.paths ?? []);
  const cache = cacheOf(repo);
  const result: CheckoutResult = { restored: [], unchanged: [], removed: [], missing: [] };
  const conflicts: string[] = [];
  const plans: Plan[] = [];
  for (const p of pointers) {
    const plan =
      p.type === 'dir'
        ? await planDir(repo, cache, p, conflicts, result)
        : planFile(repo, cache, p, conflicts, result);
    if (plan) plans.push(plan);
  }
  if (conflicts.length > 0 && !options.force) {
    throw new MloError(
      'CONFLICT',
      `checkout would overwrite ${conflicts.length} modified path(s) whose content is not in the cache: ${conflicts.slice(0, 5).join(', ')}${conflicts.length > 5 ? ', ...' : ''}`,
      {
        hint: 'record them with `mlo add`, or discard the changes with `mlo checkout --force`',
        details: { conflicts },
      },
    );
  }
  const total = plans.reduce((n, p) => n + p.writes.length, 0);
  let done = 0;
  const writer = new WorkspaceWriter(repo.root);
  try {
    // Every destination is checked before any plan changes the workspace: a hostile
    // path or a link on the way stops the whole checkout, not its second half.
    const folders = new Set<string>();
    for (const plan of plans) {
      for (const w of plan.writes) {
        WorkspaceWriter.check(w.rel);
        folders.add(posix.dirname(w.rel));
      }
    }
    for (const f of folders) if (f !== '.') refuseLinksAbove(writer, `${f}/_`);
    for (const plan of plans) {
      applyPlan(repo, cache, plan, writer);
      done += plan.writes.length;
      options.onProgress?.({ phase: 'checkout', done, total, unit: 'files' });
      result.restored.push(plan.pointer.dataPath);
      result.removed.push(...plan.removes);
    }
  } finally {
    writer.close();
  }
  return result;
}

function planFile(
  repo: Repo,
  cache: ObjectCache,
  p: Pointer,
  conflicts: string[],
  result: CheckoutResult,
): Plan | undefined {
  const abs = join(repo.root, p.dataPath);
  const st = lstatOrNull(abs);
  if (st?.isDirectory()) {
    if (!cache.has(p.hash)) {
      result.missing.push(p.dataPath);
      return undefined;
    }
    conflicts.push(p.dataPath);
    return {
      pointer: p,
      writes: [{ rel: p.dataPath, hash: p.hash, size: p.size }],
      removes: [],
      replaceKind: true,
    };
  }
  const current = st ? currentFileHash(repo, p.dataPath) : undefined;
  if (current === p.hash) {
    result.unchanged.push(p.dataPath);
    return undefined;
  }
  if (!cache.has(p.hash)) {
    result.missing.push(p.dataPath);
    return undefined;
  }
  if (current !== undefined && !cache.has(current)) conflicts.push(p.dataPath);
  const size = cache.sizeOf(p.hash);
  if (size !== undefined && size !== p.size) {
    throw sizeMismatch(p, { rel: p.dataPath, hash: p.hash, size: p.size }, size);
  }
  return {
    pointer: p,
    writes: [{ rel: p.dataPath, hash: p.hash, size: p.size }],
    removes: [],
    replaceKind: false,
  };
}

async function planDir(
  repo: Repo,
  cache: ObjectCache,
  p: Pointer,
  conflicts: string[],
  result: CheckoutResult,
): Promise<Plan | undefined> {
  if (!cache.has(p.hash)) {
    result.missing.push(p.dataPath);
    return undefined;
  }
  const manifest = cache.readManifest(p.hash);
  const abs = join(repo.root, p.dataPath);
  const st = lstatOrNull(abs);
  const replaceKind = st !== null && !st.isDirectory();
  if (replaceKind && st && !(st.isFile() && cache.has(currentFileHash(repo, p.dataPath) ?? ''))) {
    conflicts.push(p.dataPath);
  }
  const scan = replaceKind ? undefined : await scanDirectory(repo, cache, p.dataPath);
  if (scan?.hash === p.hash) {
    if (scan.rehashed > 0) saveSnapshot(repo, p.dataPath, scan.hash, scan.files, scan.dirs);
    result.unchanged.push(p.dataPath);
    return undefined;
  }
  const total = manifest.reduce((n, e) => n + e.size, 0);
  if (total !== p.size || (p.files !== undefined && p.files !== manifest.length)) {
    throw new MloError(
      'INVALID',
      `${p.pointerPath}: says ${p.size} bytes in ${p.files ?? '?'} files, but its manifest lists ${total} bytes in ${manifest.length}; refusing to check it out`,
      {
        hint: 'the pointer file is damaged or hostile: re-create it with `mlo add` from good data',
      },
    );
  }
  const have = new Map((scan?.files ?? []).map((e) => [e.path, e.hash]));
  const writes: FileWrite[] = [];
  const absent = new Set(cache.missing(manifest.map((e) => e.hash)));
  for (const e of manifest) {
    const cur = have.get(e.path);
    if (cur === e.hash) continue;
    if (absent.has(e.hash)) {
      result.missing.push(`${p.dataPath}/${e.path}`);
      continue;
    }
    if (cur !== undefined && !cache.has(cur)) conflicts.push(`${p.dataPath}/${e.path}`);
    writes.push({ rel: `${p.dataPath}/${e.path}`, hash: e.hash, size: e.size });
  }
  const wanted = new Set(manifest.map((e) => e.path));
  const removes: string[] = [];
  for (const [path, hash] of have) {
    if (wanted.has(path)) continue;
    if (!cache.has(hash)) conflicts.push(`${p.dataPath}/${path}`);
    removes.push(`${p.dataPath}/${path}`);
  }
  if (writes.length === 0 && removes.length === 0 && !replaceKind) {
    result.unchanged.push(p.dataPath);
    return undefined;
  }
  const scanned = new Map((scan?.files ?? []).map((f) => [f.path, f]));
  return { pointer: p, writes, removes, replaceKind, manifest, scanned };
}

/**
 * Write one plan. Every new file is first materialised in .mlo/tmp and checked
 * against the size its pointer or manifest promises; only then is the workspace
 * touched: stale files removed, new ones renamed into place through parents opened
 * without following links (workspace-write.ts). A directory is removed recursively
 * only when it is the tracked output itself, replaced by a file.
 */
function applyPlan(repo: Repo, cache: ObjectCache, plan: Plan, writer: WorkspaceWriter): void {
  const link = linkTypeOf(repo);
  const base = plan.pointer.dataPath;
  // Many files: write temps without fsync, make them durable with one syncfs,
  // then rename. One file: the plain fsync is cheaper than a file-system sync.
  const batched = plan.writes.length > 16;
  const temps: string[] = [];
  const stats: Stats[] = [];
  // Temps live in .mlo/tmp so a kill leaves nothing stray in the workspace; if the
  // workspace is on another file system, beside the target (rename cannot cross).
  const tmpDir = cache.ensureTmp();
  const workspaceFs = nearestExisting(join(repo.root, base));
  const sameFs = statSync(tmpDir).dev === statSync(workspaceFs).dev;
  try {
    for (const w of plan.writes) {
      if (!sameFs) writer.path(w.rel, true); // make the parents, refusing links
      const tmp = tempPathFor(w.rel, sameFs ? tmpDir : join(repo.root, posix.dirname(w.rel)));
      temps.push(tmp);
      const ok = writingTo(tmp, () => cache.materialize(w.hash, tmp, link, { fsync: !batched }));
      if (!ok) {
        throw new MloError(
          'CONFLICT',
          `object ${w.hash} of ${w.rel} left the cache during checkout (a concurrent \`mlo gc\`?)`,
          { hint: 'run the checkout again' },
        );
      }
      const st = statSync(tmp);
      if (st.size !== w.size) throw sizeMismatch(plan.pointer, w, st.size);
      stats.push(st);
    }
    if (batched && link !== 'symlink' && link !== 'hardlink') syncFileSystem(workspaceFs);
  } catch (err) {
    for (const tmp of temps) rmSync(tmp, { force: true });
    throw err;
  }
  const states: HashState[] = [];
  let placed = 0;
  try {
    if (plan.replaceKind) writer.removeTree(base);
    for (const rel of plan.removes) {
      writer.removeFile(rel);
      writer.pruneEmpty(posix.dirname(rel), base);
    }
    for (; placed < temps.length; placed++) {
      const w = plan.writes[placed];
      writer.place(temps[placed], w.rel, { replaceTree: w.rel === base });
      // rename keeps the inode and mtime the temp had
      states.push(stateOf(w.rel, stats[placed], w.hash));
    }
  } finally {
    for (let i = placed; i < temps.length; i++) rmSync(temps[i], { force: true });
    if (placed < temps.length) putHashStates(repo.store, states);
  }
  if (!plan.manifest) {
    putHashStates(repo.store, states);
    return;
  }
  // The directory now matches its manifest: snapshot it so status reads nothing.
  const written = new Map(states.map((s) => [s.path.slice(base.length + 1), s]));
  const stamps = plan.manifest.map((e) => {
    const w = written.get(e.path);
    if (w) return { path: e.path, size: e.size, ino: w.inode, mtimeMs: w.mtimeMs };
    const f = plan.scanned?.get(e.path);
    return { path: e.path, size: e.size, ino: f?.ino ?? -1, mtimeMs: f?.mtimeMs ?? -1 };
  });
  saveSnapshot(repo, base, plan.pointer.hash, stamps);
}

/**
 * Open the parents of `rel` that exist, refusing a link among them. A file where a
 * folder will be needed is no refusal here: it may be one the plan removes first.
 */
function refuseLinksAbove(writer: WorkspaceWriter, rel: string): void {
  try {
    writer.path(rel, false);
  } catch (err) {
    if (!(err instanceof MloError && err.code === 'CONFLICT')) throw err;
  }
}

function sizeMismatch(p: Pointer, w: FileWrite, actual: number): MloError {
  const what =
    w.rel === p.dataPath ? p.pointerPath : `${w.rel} (in the manifest of ${p.pointerPath})`;
  return new MloError(
    'INVALID',
    `${what}: says ${w.size} bytes, but its object ${w.hash.slice(0, 12)} holds ${actual}; refusing to check it out`,
    { hint: 'the pointer file is damaged or hostile: re-create it with `mlo add` from good data' },
  );
}

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p)) p = dirname(p);
  return p;
}
