/**
 * `mlo push`, `mlo fetch` and `mlo pull`: move the objects the repository
 * references (data/references.ts: pointer files, mlo.lock outputs, the stage run
 * cache, run artifacts, model versions) that the other side lacks. The transfer
 * engine (remote/engine.ts) does the moving; this decides what moves.
 *
 * Files go before the manifests that list them, so a remote never holds a directory
 * manifest without its files; a rerun after an interruption skips what arrived.
 */
import { join } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import type { ProgressFn } from '../util/progress.js';
import { lstatOrNull, writingTo } from '../util/fs.js';
import { checkout, type CheckoutResult } from './checkout.js';
import { cacheOf } from './context.js';
import { pinObjects } from './pins.js';
import { POINTER_EXT } from './pointer.js';
import { listReferences, type Reference } from './references.js';
import { restoreEntry } from './restore.js';
import { connectRemote, fetchObjects, pushObjects, type Remote } from './remote/index.js';
import {
  describeNeed,
  neededObjects,
  pushWaves,
  type NeededObject,
  type ObjectRef,
} from './remote/plan.js';
import { resolveTarget } from './targets.js';

export interface TransferOptions {
  cwd?: string;
  /** only what these paths reference: tracked files and directories, stage outputs */
  paths?: string[];
  /** remote name (default: the configured default remote) */
  remote?: string;
  /** parallel transfers (default: the remote's `jobs`, else 8 for a directory, 16 for S3) */
  jobs?: number;
  /** what pointer files and mlo.lock reference at this git revision */
  rev?: string;
  /** ... and in every commit reachable from any ref */
  allCommits?: boolean;
  onProgress?: ProgressFn;
}

interface TransferSummary {
  remote: string;
  /** requests sent, by kind */
  requests: Record<string, number>;
  retries: number;
  seconds: number;
}

export interface PushResult extends TransferSummary {
  uploaded: number;
  skipped: number;
  bytes: number;
  /** what the references need that neither this cache nor the remote has */
  missingLocal: string[];
}

export interface FetchResult extends TransferSummary {
  downloaded: number;
  skipped: number;
  bytes: number;
  /** objects the remote does not have (where they are needed) */
  missingRemote: string[];
}

export interface PullResult extends FetchResult {
  checkout: CheckoutResult;
}

/** A reference and, when the user named a path inside a tracked directory, which part. */
interface Selected {
  refs: Reference[];
  /** tracked directory path → the sub-paths asked for ('' for all of it) */
  parts: Map<string, string[]>;
}

/** Path arguments match pointer files and mlo.lock entries (the things with a workspace path). */
const PATH_KINDS = new Set(['pointer', 'lock']);

function selectReferences(repo: Repo, options: TransferOptions): Selected {
  const refs = listReferences(repo, {
    ...(options.rev !== undefined && { rev: options.rev }),
    allCommits: options.allCommits,
  }).filter((r) => r.cached);
  const args = options.paths ?? [];
  const parts = new Map<string, string[]>();
  if (args.length === 0) return { refs, parts };
  const chosen = new Set<Reference>();
  for (const arg of args) {
    let { rel } = resolveTarget(repo, options.cwd ?? process.cwd(), arg);
    if (rel.endsWith(POINTER_EXT)) rel = rel.slice(0, -POINTER_EXT.length);
    let matched = false;
    for (const r of refs) {
      if (!PATH_KINDS.has(r.kind) || r.path === undefined) continue;
      const p = r.path;
      if (rel === '' || p === rel || p.startsWith(`${rel}/`)) {
        chosen.add(r);
        matched = true;
        if (r.dir) parts.set(p, ['']);
      } else if (r.dir && rel.startsWith(`${p}/`)) {
        // part of a tracked directory: only the files below rel
        chosen.add(r);
        matched = true;
        const list = parts.get(p) ?? [];
        if (!list.includes('')) list.push(rel.slice(p.length + 1));
        parts.set(p, list);
      }
    }
    if (!matched) {
      throw new MloError('NOT_FOUND', `${arg}: not tracked by mlo`, {
        hint: `track it with \`mlo add ${arg}\`, or make it an output of a stage in mlo.yaml`,
      });
    }
  }
  return { refs: refs.filter((r) => chosen.has(r)), parts };
}

/** For a directory reference: is a manifest entry within the parts asked for? */
function withinParts(parts: Map<string, string[]>) {
  return (ref: ObjectRef, entry: { path: string }): boolean => {
    const path = (ref as Reference).path;
    const wanted = path === undefined ? undefined : parts.get(path);
    if (wanted === undefined || wanted.includes('')) return true;
    return wanted.some((sub) => entry.path === sub || entry.path.startsWith(`${sub}/`));
  };
}

export async function push(repo: Repo, options: TransferOptions = {}): Promise<PushResult> {
  const { remote, stateDir, jobs } = connectRemote(repo, options.remote, { jobs: options.jobs });
  try {
    // what killed pushes from this machine left on the remote
    await remote.sweepTemps?.();
    const cache = cacheOf(repo);
    const { refs, parts } = selectReferences(repo, options);
    const needs = await neededObjects(cache, refs, { within: withinParts(parts) });
    const stats = await pushObjects(
      remote,
      cache,
      stateDir,
      { waves: pushWaves(needs.objects.values()) },
      { jobs, onProgress: options.onProgress },
    );
    const missingLocal = [
      ...stats.missingLocal.map((o) => describeNeed(o as NeededObject)),
      ...needs.unknownManifests.map((m) => `${m.where} (its directory manifest)`),
    ];
    return {
      remote: remote.name,
      uploaded: stats.transferred,
      skipped: stats.skipped,
      bytes: stats.bytes,
      missingLocal,
      requests: stats.requests,
      retries: stats.retries,
      seconds: stats.seconds,
    };
  } finally {
    remote.close();
  }
}

/** Fill the cache with what the references need; the workspace is not touched. */
export async function fetch(repo: Repo, options: TransferOptions = {}): Promise<FetchResult> {
  const { remote, jobs } = connectRemote(repo, options.remote, { jobs: options.jobs });
  try {
    return await fetchSelected(repo, remote, jobs, selectReferences(repo, options), options);
  } finally {
    remote.close();
  }
}

async function fetchSelected(
  repo: Repo,
  remote: Remote,
  jobs: number,
  selected: Selected,
  options: TransferOptions,
): Promise<FetchResult> {
  const t0 = performance.now();
  const cache = cacheOf(repo);
  const result: FetchResult = {
    remote: remote.name,
    downloaded: 0,
    skipped: 0,
    bytes: 0,
    missingRemote: [],
    requests: remote.requests,
    retries: 0,
    seconds: 0,
  };
  const fetchWave = async (wanted: NeededObject[]): Promise<void> => {
    // Pinned before we look: a concurrent gc must not take what checkout will need.
    pinObjects(
      repo,
      wanted.map((o) => o.hash),
    );
    const stats = await fetchObjects(remote, cache, wanted, {
      jobs,
      onProgress: options.onProgress,
    });
    result.downloaded += stats.transferred;
    result.skipped += stats.skipped;
    result.bytes += stats.bytes;
    const where = new Map(wanted.map((o) => [o.hash, o]));
    result.missingRemote.push(
      ...stats.missing.map((h) => {
        const o = where.get(h);
        return o ? describeNeed(o) : h;
      }),
    );
  };
  // The referenced objects first (files and manifests; a manifest's size is unknown,
  // so it never travels packed), then the files the manifests list.
  const top = new Map<string, NeededObject>();
  for (const r of selected.refs) {
    if (!top.has(r.hash))
      top.set(r.hash, {
        hash: r.hash,
        size: r.dir ? undefined : r.size,
        // a workspace pointer's claims are its file's: name the file
        where: r.kind === 'pointer' && r.where === r.path ? `${r.path}${POINTER_EXT}` : r.where,
        manifest: r.dir,
      });
  }
  await fetchWave([...top.values()]);
  const needs = await neededObjects(cache, selected.refs, { within: withinParts(selected.parts) });
  await fetchWave([...needs.objects.values()].filter((o) => !top.has(o.hash)));
  result.retries = remote.retries;
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

/** Fetch, then make the workspace match: tracked paths, and stage outputs that are missing. */
export async function pull(
  repo: Repo,
  options: TransferOptions & { force?: boolean } = {},
): Promise<PullResult> {
  const { remote, jobs } = connectRemote(repo, options.remote, { jobs: options.jobs });
  let fetched: FetchResult;
  const selected = selectReferences(repo, { ...options, rev: undefined, allCommits: false });
  try {
    fetched = await fetchSelected(repo, remote, jobs, selected, options);
  } finally {
    remote.close();
  }
  const cwd = options.cwd ?? process.cwd();
  const pointerPaths = selected.refs.filter((r) => r.kind === 'pointer').map((r) => r.path!);
  const result: PullResult = {
    ...fetched,
    checkout: { restored: [], unchanged: [], removed: [], missing: [] },
  };
  if (pointerPaths.length) {
    // Named paths go to checkout as given (a part of a tracked directory selects it
    // whole there; the parts not fetched are then not "missing" for this pull).
    const args = options.paths?.length ? options.paths : undefined;
    result.checkout = await checkout(repo, { cwd, paths: args, force: options.force });
    if (selected.parts.size) {
      const inScope = (m: string): boolean => {
        for (const [dir, subs] of selected.parts) {
          if (!m.startsWith(`${dir}/`)) continue;
          const rest = m.slice(dir.length + 1);
          return subs.some((s) => s === '' || rest === s || rest.startsWith(`${s}/`));
        }
        return true;
      };
      result.checkout.missing = result.checkout.missing.filter(inScope);
    }
  }
  restoreOutputs(repo, selected.refs, result.checkout, options.force ?? false);
  return result;
}

/**
 * Stage outputs from mlo.lock that the workspace lacks are put there (with force:
 * also those that differ). Their paths are committed input: restoreEntry applies
 * the same rules as checkout.
 */
function restoreOutputs(
  repo: Repo,
  refs: readonly Reference[],
  result: CheckoutResult,
  force: boolean,
): void {
  for (const r of refs) {
    if (r.kind !== 'lock' || !r.cached || r.path === undefined) continue;
    const exists = lstatOrNull(join(repo.root, r.path)) !== null;
    if (exists && !force) {
      result.unchanged.push(r.path);
      continue;
    }
    const ok = writingTo(join(repo.root, r.path), () =>
      restoreEntry(repo, {
        path: r.path!,
        hash: r.hash,
        size: r.size ?? 0,
        ...(r.dir && { type: 'dir' as const }),
      }),
    );
    if (ok) result.restored.push(r.path);
    else result.missing.push(r.path);
  }
}
