/**
 * Every cache object the repository references, in one place: gc keeps them, fsck
 * verifies them, push and fetch move them. Listed per kind, each with a label
 * saying who refers to it:
 *
 *   pointer      pointer files (`X.mlo`) in the workspace, or at a git revision
 *   lock         mlo.lock: the outputs and metrics files of each stage (and its
 *                dependencies, which are not expected in the cache)
 *   stage-cache  the stage run-cache in the store (outputs restorable by repro)
 *   run          run artifacts and the outputs a run keeps (`mlo exec -o`)
 *   model        registered model versions
 *   baseline     drift baselines: they keep column profiles in the store and no
 *                cache object today; the kind exists so callers need not change
 *                when one does (object_refs rows of kind 'baseline')
 *   store        any other object_refs row (capabilities added later)
 *
 * Pointer files and mlo.lock are read from the workspace or from a git revision;
 * the store kinds are not versioned and ignore `rev`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import type { Repo } from '../repo/index.js';
import {
  listModelVersionRefs,
  listObjectRefs,
  listRunObjectRefs,
  listStageCacheRows,
} from '../store/index.js';
import { MloError } from '../errors.js';
import { parseConfigYaml, readConfigYamlFile } from '../util/config-yaml.js';
import { cacheOf } from './context.js';
import { HASH_RE } from './hash.js';
import { POINTER_EXT, describedPath, findPointerFiles, pointerSchema } from './pointer.js';

export const LOCK_FILE = 'mlo.lock';
const PIPELINE_FILE = 'mlo.yaml';

export type ReferenceKind =
  'pointer' | 'lock' | 'stage-cache' | 'run' | 'model' | 'baseline' | 'store';

export const REFERENCE_KINDS: readonly ReferenceKind[] = [
  'pointer',
  'lock',
  'stage-cache',
  'run',
  'model',
  'baseline',
  'store',
];

/** object_refs kinds written by the capabilities (tracking, registry, pipeline). */
const STORE_KIND_OF: Record<string, ReferenceKind> = {
  run: 'run',
  model: 'model',
  'stage-cache': 'stage-cache',
  baseline: 'baseline',
};

export interface Reference {
  kind: ReferenceKind;
  hash: string;
  /** a directory manifest: the files it lists are referenced too */
  dir: boolean;
  /** the size the referrer promises, when it says */
  size?: number;
  /** who refers to it, for messages: `data/x.csv` (its pointer file), `model churn@3`, ... */
  where: string;
  /** the workspace path it describes (pointer files and mlo.lock entries), repo-relative */
  path?: string;
  /**
   * false when the referrer does not expect the object in the cache: an mlo.lock
   * dependency, or an output declared `cache: false` in mlo.yaml. gc still keeps
   * such objects; fsck and push skip them.
   */
  cached: boolean;
}

export interface ReferenceOptions {
  /** default: every kind */
  kinds?: readonly ReferenceKind[];
  /** read pointer files and mlo.lock at this git revision instead of the workspace */
  rev?: string;
  /** also pointer files and mlo.lock in every commit reachable from any git ref */
  allCommits?: boolean;
}

/** Every reference of the chosen kinds. Unreadable historic files are skipped. */
export function listReferences(repo: Repo, options: ReferenceOptions = {}): Reference[] {
  const kinds = new Set(options.kinds ?? REFERENCE_KINDS);
  const out: Reference[] = [];
  const wantFiles = kinds.has('pointer') || kinds.has('lock');
  if (wantFiles && options.rev === undefined) {
    if (kinds.has('pointer')) out.push(...workspacePointerRefs(repo));
    if (kinds.has('lock')) out.push(...workspaceLockRefs(repo));
  }
  if (wantFiles && (options.rev !== undefined || options.allCommits)) {
    if (!repo.gitRoot) {
      if (options.rev !== undefined)
        throw new MloError(
          'USAGE',
          `${repo.root} is not in a git repository: no revision ${options.rev}`,
        );
    } else {
      const revs = options.rev !== undefined ? [options.rev] : [];
      for (const f of gitFiles(repo, revs, options.allCommits ?? false)) {
        if (f.path.endsWith(POINTER_EXT) && kinds.has('pointer'))
          out.push(
            ...pointerTextRefs(f.text, `${f.rev}:${describedPath(f.path)}`, describedPath(f.path)),
          );
        else if (kinds.has('lock'))
          out.push(...lockRefs(f.text, `${f.rev}:${f.path}`, uncachedPatterns(repo)));
      }
    }
  }
  if (kinds.has('model')) {
    for (const v of listModelVersionRefs(repo.store))
      out.push(ref('model', v.hash, `model ${v.name}@${v.version}`, { size: v.size }));
  }
  if (kinds.has('run')) {
    for (const r of listRunObjectRefs(repo.store)) {
      out.push(
        ref('run', r.hash, `run ${r.run.slice(0, 8)} ${r.role} ${r.label}`, {
          dir: r.type === 'dir',
          size: r.size ?? undefined,
          // a run pulled from a server: its files stay there until fetched
          cached: r.copy === 0,
        }),
      );
    }
  }
  if (kinds.has('stage-cache')) {
    for (const row of listStageCacheRows(repo.store)) {
      let doc: unknown;
      try {
        doc = JSON.parse(row.outs);
      } catch {
        continue;
      }
      for (const e of entriesOf(doc, ['outs', 'metrics'])) {
        out.push(
          ref(
            'stage-cache',
            e.hash,
            `stage cache of ${row.stage} (${row.key.slice(0, 8)}): ${e.path}`,
            e,
          ),
        );
      }
    }
  }
  for (const r of listObjectRefs(repo.store)) {
    const kind = STORE_KIND_OF[r.kind] ?? 'store';
    // run, model and stage-cache rows are listed above from their tables of record
    if ((kind === 'baseline' || kind === 'store') && kinds.has(kind))
      out.push(ref(kind, r.hash, `${r.kind} ${r.owner}`));
  }
  return out;
}

/**
 * The hashes that references keep alive, with each directory manifest's files; a
 * manifest that is referenced but not in the cache cannot be expanded.
 */
export function expandReferences(
  repo: Repo,
  refs: Iterable<{ hash: string; dir?: boolean }>,
): { hashes: Set<string>; unknownManifests: string[] } {
  const cache = cacheOf(repo);
  const hashes = new Set<string>();
  const manifests = new Set<string>();
  for (const r of refs) {
    hashes.add(r.hash);
    if (r.dir) manifests.add(r.hash);
  }
  const unknownManifests: string[] = [];
  for (const m of manifests) {
    if (!cache.has(m)) {
      unknownManifests.push(m);
      continue;
    }
    for (const e of cache.readManifest(m)) hashes.add(e.hash);
  }
  return { hashes, unknownManifests };
}

function ref(
  kind: ReferenceKind,
  hash: string,
  where: string,
  extra: { dir?: boolean; size?: number; cached?: boolean; type?: string; path?: string } = {},
): Reference {
  return {
    kind,
    hash,
    dir: extra.dir ?? extra.type === 'dir',
    ...(extra.size !== undefined && { size: extra.size }),
    where,
    ...(extra.path !== undefined && { path: extra.path }),
    cached: extra.cached ?? true,
  };
}

/**
 * Workspace pointers, read as references only: a pointer refused for the path it
 * claims still names an object, which gc must keep. A malformed one stops the
 * command (gc cannot know what it would have kept).
 */
function workspacePointerRefs(repo: Repo): Reference[] {
  return findPointerFiles(repo.root).map((p) => {
    const data = readConfigYamlFile(join(repo.root, p), pointerSchema, p);
    return ref('pointer', data.hash, describedPath(p), {
      dir: data.type === 'dir',
      size: data.size,
      path: describedPath(p),
    });
  });
}

function pointerTextRefs(text: string, where: string, path: string): Reference[] {
  try {
    const data = parseConfigYaml(text, pointerSchema, where);
    return [ref('pointer', data.hash, where, { dir: data.type === 'dir', size: data.size, path })];
  } catch {
    return []; // an unparsable historic pointer protects nothing
  }
}

function workspaceLockRefs(repo: Repo): Reference[] {
  const path = join(repo.root, LOCK_FILE);
  if (!existsSync(path)) return [];
  return lockRefs(readFileSync(path, 'utf8'), LOCK_FILE, uncachedPatterns(repo));
}

interface Entry {
  path: string;
  hash: string;
  size?: number;
  type?: string;
}

function entriesOf(doc: unknown, fields: readonly string[]): Entry[] {
  const out: Entry[] = [];
  if (doc === null || typeof doc !== 'object') return out;
  for (const f of fields) {
    const list = (doc as Record<string, unknown>)[f];
    if (!Array.isArray(list)) continue;
    for (const e of list as Record<string, unknown>[]) {
      if (e === null || typeof e !== 'object') continue;
      if (typeof e.hash !== 'string' || !HASH_RE.test(e.hash) || typeof e.path !== 'string')
        continue;
      out.push({
        path: e.path,
        hash: e.hash,
        ...(typeof e.size === 'number' && { size: e.size }),
        ...(typeof e.type === 'string' && { type: e.type }),
      });
    }
  }
  return out;
}

function lockRefs(text: string, where: string, uncached: RegExp[]): Reference[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return [];
  }
  const stages = (doc as { stages?: unknown } | null)?.stages;
  if (stages === null || typeof stages !== 'object') return [];
  const out: Reference[] = [];
  for (const [name, stage] of Object.entries(stages as Record<string, unknown>)) {
    for (const e of entriesOf(stage, ['outs', 'metrics'])) {
      const cached = !uncached.some((re) => re.test(e.path));
      out.push(ref('lock', e.hash, `${where}: stage ${name}: ${e.path}`, { ...e, cached }));
    }
    for (const e of entriesOf(stage, ['deps']))
      out.push(
        ref('lock', e.hash, `${where}: stage ${name} (dependency): ${e.path}`, {
          ...e,
          cached: false,
        }),
      );
  }
  return out;
}

const patternCache = new WeakMap<Repo, RegExp[]>();

/**
 * Outputs mlo.yaml declares `cache: false` (`- metrics.json: {cache: false}`), as
 * patterns: a `${...}` placeholder matches anything. The data layer reads only this
 * much of mlo.yaml; an unreadable file declares nothing.
 */
function uncachedPatterns(repo: Repo): RegExp[] {
  let found = patternCache.get(repo);
  if (found) return found;
  found = [];
  try {
    const doc = parse(readFileSync(join(repo.root, PIPELINE_FILE), 'utf8')) as {
      stages?: Record<string, Record<string, unknown>>;
    } | null;
    for (const stage of Object.values(doc?.stages ?? {})) {
      const body = (stage?.do ?? stage) as Record<string, unknown> | null;
      for (const field of ['outs', 'metrics']) {
        const list = body?.[field];
        if (!Array.isArray(list)) continue;
        for (const item of list as unknown[]) {
          if (item === null || typeof item !== 'object') continue;
          for (const [path, opts] of Object.entries(item as Record<string, unknown>)) {
            if ((opts as { cache?: unknown } | null)?.cache === false)
              found.push(pathPattern(path));
          }
        }
      }
    }
  } catch {
    // no mlo.yaml, or not YAML: nothing declared
  }
  patternCache.set(repo, found);
  return found;
}

function pathPattern(path: string): RegExp {
  const clean = path.replace(/^(\.\/)+/, '');
  const parts = clean.split(/\$\{[^}]*\}/).map((p) => p.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

interface GitFile {
  rev: string;
  path: string;
  text: string;
}

/** Pointer files and mlo.lock at the given revisions (and every commit, if asked). */
function gitFiles(repo: Repo, revs: string[], allCommits: boolean): GitFile[] {
  const gitRoot = repo.gitRoot!;
  const git = (args: string[], input?: string): { ok: boolean; out: string } => {
    const res = spawnSync('git', args, {
      cwd: gitRoot,
      encoding: 'utf8',
      input,
      maxBuffer: 1 << 30,
    });
    return { ok: res.status === 0, out: res.status === 0 ? res.stdout : '' };
  };
  const commits = [...revs];
  if (allCommits) commits.push(...git(['rev-list', '--all']).out.split('\n').filter(Boolean));
  // the repository may sit below the git root: only its own files count
  const prefix = git(['rev-parse', '--show-prefix']).out.trim();
  const blobs = new Map<string, { rev: string; path: string }>();
  for (const c of commits) {
    const listing = git(['ls-tree', '-r', '-z', '--full-tree', c]);
    if (!listing.ok && revs.includes(c)) {
      throw new MloError('NOT_FOUND', `${c}: not a git revision of ${gitRoot}`);
    }
    for (const line of listing.out.split('\0')) {
      const tab = line.indexOf('\t');
      if (tab < 0) continue;
      const full = line.slice(tab + 1);
      if (!full.startsWith(prefix)) continue;
      const path = full.slice(prefix.length);
      if (!path.endsWith(POINTER_EXT) && path !== LOCK_FILE) continue;
      const [, type, oid] = line.slice(0, tab).split(' ');
      if (type === 'blob' && oid && !blobs.has(oid)) blobs.set(oid, { rev: c, path });
    }
  }
  if (blobs.size === 0) return [];
  const out = Buffer.from(git(['cat-file', '--batch'], [...blobs.keys()].join('\n') + '\n').out);
  // "<oid> blob <size>\n<content>\n" per object
  const files: GitFile[] = [];
  let pos = 0;
  while (pos < out.length) {
    const nl = out.indexOf(10, pos);
    if (nl < 0) break;
    const [oid, , sizeText] = out.toString('utf8', pos, nl).split(' ');
    const size = Number(sizeText);
    if (!Number.isFinite(size)) break;
    const where = blobs.get(oid);
    if (where) files.push({ ...where, text: out.toString('utf8', nl + 1, nl + 1 + size) });
    pos = nl + 1 + size + 1;
  }
  return files;
}
