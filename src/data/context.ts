/** Per-repo data objects, created once per process. */
import type { LinkType, Repo } from '../repo/index.js';
import { ObjectCache } from './cache.js';

const caches = new WeakMap<Repo, ObjectCache>();

export function cacheOf(repo: Repo): ObjectCache {
  let cache = caches.get(repo);
  if (!cache) {
    cache = new ObjectCache(repo.cacheDir, repo.tmpDir);
    caches.set(repo, cache);
  }
  return cache;
}

export function linkTypeOf(repo: Repo): LinkType {
  return repo.config.cache?.link ?? 'reflink';
}
