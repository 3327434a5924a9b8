/**
 * `mlo fsck`: re-hash every cache object, then check every reference the repository
 * holds (references.ts: pointer files, mlo.lock outputs, the stage run-cache, run
 * artifacts and outputs, model versions) against the cache. Each corrupt object,
 * each missing one (with who needs it), each size a pointer misstates and each
 * pointer file refused for the path it claims is a problem; any problem: exit 1.
 */
import type { Repo } from '../repo/index.js';
import type { ProgressFn } from '../util/progress.js';
import { cacheOf } from './context.js';
import { hashFile, sha256 } from './hash.js';
import { findPointerFiles, pointerProblem, pointerSchema } from './pointer.js';
import { listReferences, type ReferenceKind } from './references.js';
import { readConfigYamlFile } from '../util/config-yaml.js';
import { join } from 'node:path';

export interface FsckProblem {
  hash: string;
  /** where the object lives, or who needs it */
  where: string;
  problem: 'corrupt' | 'missing' | 'size' | 'invalid';
  /** for missing and size problems: the kind of reference */
  kind?: ReferenceKind;
  /** for size problems and refused pointers */
  detail?: string;
}

export interface FsckResult {
  checked: number;
  /** references checked against the cache */
  references: number;
  problems: FsckProblem[];
  ok: boolean;
}

export function fsck(repo: Repo, options: { onProgress?: ProgressFn } = {}): FsckResult {
  const cache = cacheOf(repo);
  cache.refresh();
  const problems: FsckProblem[] = [];
  let checked = 0;
  const loose = [...cache.looseHashes()];
  const packs = cache.packs.list;
  const total = loose.length + packs.reduce((n, p) => n + p.count, 0);
  const tick = (): void => {
    checked++;
    if (checked % 256 === 0 || checked === total)
      options.onProgress?.({ phase: 'fsck', done: checked, total, unit: 'objects' });
  };
  for (const hash of loose) {
    const actual = hashFile(cache.loosePath(hash)).hash;
    if (actual !== hash) problems.push({ hash, where: cache.loosePath(hash), problem: 'corrupt' });
    tick();
  }
  for (const pack of packs) {
    if (!pack.verifyTrailer())
      problems.push({ hash: pack.name, where: `${pack.name}.idx`, problem: 'corrupt' });
    for (const e of pack.entries()) {
      let ok = false;
      try {
        ok = sha256(pack.read(e)) === e.hash;
      } catch {
        ok = false;
      }
      if (!ok)
        problems.push({ hash: e.hash, where: `${pack.name}.pack@${e.offset}`, problem: 'corrupt' });
      tick();
    }
  }
  const corrupt = new Set(problems.map((p) => p.hash));

  for (const p of findPointerFiles(repo.root)) {
    const data = readConfigYamlFile(join(repo.root, p), pointerSchema, p);
    const why = pointerProblem(p, data.path);
    if (why) problems.push({ hash: data.hash, where: p, problem: 'invalid', detail: why });
  }

  const refs = listReferences(repo).filter((r) => r.cached);
  const seen = new Set<string>();
  const report = (p: FsckProblem): void => {
    const key = `${p.problem}\0${p.hash}\0${p.where}`;
    if (seen.has(key)) return;
    seen.add(key);
    problems.push(p);
  };
  for (const r of refs) {
    const size = cache.sizeOf(r.hash);
    if (size === undefined) {
      report({ hash: r.hash, where: r.where, problem: 'missing', kind: r.kind });
      continue;
    }
    if (!r.dir) {
      if (r.size !== undefined && r.size !== size && !corrupt.has(r.hash)) {
        report({
          hash: r.hash,
          where: r.where,
          problem: 'size',
          kind: r.kind,
          detail: `says ${r.size} bytes, the object holds ${size}`,
        });
      }
      continue;
    }
    if (corrupt.has(r.hash)) continue;
    const entries = cache.readManifest(r.hash);
    const listed = entries.reduce((n, e) => n + e.size, 0);
    if (r.size !== undefined && r.size !== listed) {
      report({
        hash: r.hash,
        where: r.where,
        problem: 'size',
        kind: r.kind,
        detail: `says ${r.size} bytes, the manifest lists ${listed}`,
      });
    }
    const absent = new Set(cache.missing(entries.map((e) => e.hash)));
    for (const e of entries) {
      if (absent.has(e.hash))
        report({ hash: e.hash, where: `${r.where}/${e.path}`, problem: 'missing', kind: r.kind });
    }
  }
  return { checked, references: refs.length, problems, ok: problems.length === 0 };
}
