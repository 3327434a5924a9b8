/**
 * mlo.lock: what each stage last ran with — the command, dependency and output
 * hashes, params. Git-tracked, so it is sorted and byte-stable: stages by name,
 * paths in order, keys sorted, and rewritten only when something changed. Entries
 * have the pointer-file shape ({path, hash, size, type: dir, files}) that gc reads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Repo } from '../repo/index.js';
import { withWriteLock } from '../store/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { isNotFound } from '../util/fs.js';
import * as z from 'zod/mini';
import '../util/schema.js';
import { parseYaml, readTextFile } from '../util/yaml-file.js';
import { HASH_RE, LOCK_FILE } from '../data/index.js';
import type { PathEntry } from '../tracking/index.js';
import type { ParamValues } from './params.js';

const entrySchema = z.strictObject({
  path: z.string().check(z.minLength(1)),
  hash: z.string().check(z.regex(HASH_RE, 'must be a 64-character lowercase hex SHA-256')),
  size: z.number().check(z.int(), z.nonnegative()),
  type: z.optional(z.enum(['dir'])),
  files: z.optional(z.number().check(z.int(), z.nonnegative())),
});

const stageLockSchema = z.strictObject({
  cmd: z.union([z.string(), z.array(z.string())]),
  env: z.optional(z.record(z.string(), z.string())),
  deps: z.optional(z.array(entrySchema)),
  params: z.optional(z.record(z.string(), z.record(z.string(), z.unknown()))),
  outs: z.optional(z.array(entrySchema)),
  metrics: z.optional(z.array(entrySchema)),
});

const lockSchema = z.strictObject({
  schema: z.optional(z.literal(1)),
  stages: z.optional(z.record(z.string(), stageLockSchema)),
});

export type LockEntry = PathEntry;

export interface StageLock {
  cmd: string[];
  env: Record<string, string>;
  deps: LockEntry[];
  params: ParamValues;
  outs: LockEntry[];
  metrics: LockEntry[];
}

export type LockFile = Map<string, StageLock>;

const HEADER = '# mlo.lock: what each stage last ran with (written by `mlo repro`). Commit it.\n';

export function readLock(repo: Repo): LockFile {
  const text = readTextFile(join(repo.root, LOCK_FILE), LOCK_FILE);
  if (text === undefined) return new Map();
  const doc = parseYaml(text, lockSchema, LOCK_FILE);
  const lock: LockFile = new Map();
  for (const [name, s] of Object.entries(doc.stages ?? {})) {
    lock.set(name, {
      cmd: typeof s.cmd === 'string' ? [s.cmd] : s.cmd,
      env: s.env ?? {},
      deps: s.deps ?? [],
      params: s.params ?? {},
      outs: s.outs ?? [],
      metrics: s.metrics ?? [],
    });
  }
  return lock;
}

const byPath = (a: { path: string }, b: { path: string }): number =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

function entryDoc(e: LockEntry): Record<string, unknown> {
  const out: Record<string, unknown> = { path: e.path, hash: e.hash, size: e.size };
  if (e.type === 'dir') {
    out.type = 'dir';
    out.files = e.files ?? 0;
  }
  return out;
}

/** The canonical text of a lock: equal content, equal bytes. */
export function serializeLock(lock: LockFile): string {
  const stages: Record<string, unknown> = {};
  for (const name of [...lock.keys()].sort()) {
    const s = lock.get(name) as StageLock;
    const doc: Record<string, unknown> = { cmd: s.cmd.length === 1 ? s.cmd[0] : s.cmd };
    if (Object.keys(s.env).length) doc.env = sortKeys(s.env);
    if (s.deps.length) doc.deps = [...s.deps].sort(byPath).map(entryDoc);
    if (Object.keys(s.params).length) doc.params = sortKeys(s.params);
    if (s.outs.length) doc.outs = [...s.outs].sort(byPath).map(entryDoc);
    if (s.metrics.length) doc.metrics = [...s.metrics].sort(byPath).map(entryDoc);
    stages[name] = doc;
  }
  // lineWidth 0: never fold long commands across lines (diffs would churn)
  return HEADER + stringify({ schema: 1, stages }, { lineWidth: 0 });
}

/**
 * Update the lock's entries under the store's write lock (a cross-process mutex),
 * so parallel stages and concurrent repros do not lose each other's entries.
 * Entries of stages no longer in mlo.yaml are dropped. Returns true when written.
 */
export function updateLock(
  repo: Repo,
  changes: Map<string, StageLock>,
  known: ReadonlySet<string>,
): boolean {
  return withWriteLock(repo.store, () => {
    const lock = readLock(repo);
    let before: string | undefined;
    try {
      before = readFileSync(join(repo.root, LOCK_FILE), 'utf8');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    for (const [name, entry] of changes) lock.set(name, entry);
    for (const name of [...lock.keys()]) if (!known.has(name)) lock.delete(name);
    const text = serializeLock(lock);
    if (text === before) return false;
    writeFileAtomic(join(repo.root, LOCK_FILE), text);
    return true;
  });
}

/** Canonical JSON of any value (sorted keys): for comparing params. */
export function canonical(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}
