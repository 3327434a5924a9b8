/**
 * `mlo status --remote NAME`: for each reference (a tracked path, a stage output, a
 * run artifact, a model version), whether its objects are on this machine, on the
 * remote, on both or on neither.
 */
import type { Repo } from '../repo/index.js';
import { cacheOf } from './context.js';
import { connectRemote } from './remote/index.js';
import { presentInCache, readManifestFrom, type ObjectRef } from './remote/plan.js';
import { listReferences } from './references.js';

export type RemoteState = 'ok' | 'not pushed' | 'not fetched' | 'missing';

export interface RemoteStatusEntry {
  where: string;
  kind?: string;
  state: RemoteState;
  /** object counts: on both sides, only here, only on the remote, on neither */
  objects: { both: number; localOnly: number; remoteOnly: number; missing: number };
}

export interface RemoteStatusResult {
  remote: string;
  entries: RemoteStatusEntry[];
  /** distinct objects in each state */
  totals: { both: number; localOnly: number; remoteOnly: number; missing: number };
  requests: Record<string, number>;
}

export interface RemoteStatusOptions {
  remote?: string;
  jobs?: number;
  /** what pointer files and mlo.lock reference at this git revision (default: the workspace) */
  rev?: string;
  allCommits?: boolean;
}

export async function remoteStatus(
  repo: Repo,
  options: RemoteStatusOptions = {},
): Promise<RemoteStatusResult> {
  const refs: readonly (ObjectRef & { kind?: string })[] = listReferences(repo, {
    ...(options.rev !== undefined && { rev: options.rev }),
    allCommits: options.allCommits,
  });
  const { remote } = connectRemote(repo, options.remote, { jobs: options.jobs });
  try {
    const cache = cacheOf(repo);
    // every reference's objects: itself and, for a directory, the files it lists
    const members: {
      ref: ObjectRef & { kind?: string };
      objects: Map<string, number | undefined>;
    }[] = [];
    const all = new Map<string, number | undefined>();
    for (const ref of refs) {
      if (ref.cached === false) continue;
      const objects = new Map<string, number | undefined>([
        [ref.hash, ref.dir ? undefined : ref.size],
      ]);
      if (ref.dir) {
        for (const e of (await readManifestFrom(cache, ref.hash, remote)) ?? [])
          objects.set(e.hash, e.size);
      }
      for (const [h, s] of objects) if (!all.has(h) || all.get(h) === undefined) all.set(h, s);
      members.push({ ref, objects });
    }
    const hashes = [...all.keys()];
    const local = presentInCache(cache, hashes);
    const onRemote = await remote.has(hashes.map((hash) => ({ hash, size: all.get(hash) })));
    const count = (objects: Iterable<string>): RemoteStatusEntry['objects'] => {
      const c = { both: 0, localOnly: 0, remoteOnly: 0, missing: 0 };
      for (const h of objects) {
        const l = local.has(h);
        const r = onRemote.has(h);
        if (l && r) c.both++;
        else if (l) c.localOnly++;
        else if (r) c.remoteOnly++;
        else c.missing++;
      }
      return c;
    };
    const entries = members.map(({ ref, objects }) => {
      const c = count(objects.keys());
      const state: RemoteState = c.missing
        ? 'missing'
        : c.localOnly
          ? 'not pushed'
          : c.remoteOnly
            ? 'not fetched'
            : 'ok';
      return { where: ref.where, kind: ref.kind, state, objects: c };
    });
    return { remote: remote.name, entries, totals: count(hashes), requests: remote.requests };
  } finally {
    remote.close();
  }
}
