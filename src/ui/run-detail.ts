/**
 * One run for the UI: what `mlo runs show` gives, inputs linked to their pointer
 * files (in the workspace now and at the run's commit), and artifacts listed file by
 * file and served with content types that never let a file act as a page of the UI.
 */
import { posix } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cacheOf, pointerPathFor, readPointer } from '../data/index.js';
import { MloError } from '../errors.js';
import { listArtifactRows } from '../store/index.js';
import { getRun, resolveRunRow, type RunDetail } from '../tracking/index.js';
import type { UiContext } from './context.js';
import type { UiResponse } from './types.js';

export interface PointerLink {
  /** repo-relative path of the pointer file */
  pointer: string;
  /** the hash the pointer holds in the workspace now (null: no pointer there) */
  workspaceHash: string | null;
  /** the hash the pointer held at the run's commit (null: none, or no commit) */
  commitHash: string | null;
  /** the run's input hash is what the pointer held at its commit */
  matchesCommit: boolean | null;
}

export interface UiRunDetail extends RunDetail {
  /** per input path */
  pointers: Record<string, PointerLink>;
}

/** A repo-relative path a store row names: never absolute, never `..`, never into .git or .mlo. */
export function safeRepoPath(path: string): string | null {
  // eslint-disable-next-line no-control-regex
  if (path === '' || path.length > 4096 || /[\u0000-\u001f\\]/.test(path)) return null;
  const norm = posix.normalize(path);
  if (norm.startsWith('/') || norm === '..' || norm.startsWith('../')) return null;
  const first = norm.split('/')[0];
  if (first === '.git' || first === '.mlo') return null;
  return norm;
}

async function pointerAtCommit(
  ctx: UiContext,
  commit: string,
  pointer: string,
): Promise<string | null> {
  const gitRoot = ctx.repo.gitRoot;
  if (!gitRoot || !/^[0-9a-f]{7,64}$/.test(commit)) return null;
  const rel = posix.relative(
    gitRoot.split('\\').join('/'),
    posix.join(ctx.repo.root.split('\\').join('/'), pointer),
  );
  if (rel.startsWith('..')) return null;
  try {
    const { simpleGit } = await import('simple-git');
    const text = await simpleGit({ baseDir: gitRoot }).show([`${commit}:${rel}`]);
    const doc = parseYaml(text) as { hash?: unknown } | null;
    return typeof doc?.hash === 'string' && /^[0-9a-f]{64}$/.test(doc.hash) ? doc.hash : null;
  } catch {
    return null; // not in that commit, or not git
  }
}

function workspacePointerHash(ctx: UiContext, pointer: string): string | null {
  try {
    return readPointer(ctx.repo.root, pointer).hash;
  } catch {
    return null;
  }
}

export async function runDetail(ctx: UiContext, ref: string): Promise<UiRunDetail> {
  const run = getRun(ctx.repo, ref);
  const pointers: Record<string, PointerLink> = {};
  for (const input of run.inputs) {
    const path = safeRepoPath(input.path);
    if (path === null) continue;
    const pointer = pointerPathFor(path);
    const commitHash = run.git.commit ? await pointerAtCommit(ctx, run.git.commit, pointer) : null;
    pointers[input.path] = {
      pointer,
      workspaceHash: workspacePointerHash(ctx, pointer),
      commitHash,
      matchesCommit:
        commitHash === null || input.hash === undefined ? null : commitHash === input.hash,
    };
  }
  return { ...run, pointers };
}

export interface ArtifactFile {
  path: string;
  hash: string;
  size: number;
  /** how the UI may show it */
  preview: 'image' | 'text' | 'none';
}

const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
};

const TEXT_EXT = new Set(
  'txt log json jsonl csv tsv md yaml yml toml ini cfg py js mjs ts r sql sh xml svg html htm out err'.split(
    ' ',
  ),
);

/** Text previews stop here; the download has everything. */
export const TEXT_PREVIEW_BYTES = 256 * 1024;

function extension(path: string): string {
  const base = path.split('/').pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

/**
 * SVG and HTML are shown as source text, never rendered: served from the UI's
 * origin they could run script against its API.
 */
export function previewKind(path: string, size: number): ArtifactFile['preview'] {
  const ext = extension(path);
  if (IMAGE_TYPES[ext] && size <= 32 << 20) return 'image';
  if (TEXT_EXT.has(ext) || ext === '') return 'text';
  return 'none';
}

export function listRunArtifacts(ctx: UiContext, ref: string): ArtifactFile[] {
  const row = resolveRunRow(ctx.repo.store, ref);
  const cache = cacheOf(ctx.repo);
  const out: ArtifactFile[] = [];
  for (const a of listArtifactRows(ctx.repo.store, row.seq)) {
    if (a.type === 'file') {
      out.push({ path: a.name, hash: a.hash, size: a.size, preview: previewKind(a.name, a.size) });
    } else if (cache.has(a.hash)) {
      for (const e of cache.readManifest(a.hash)) {
        const path = `${a.name}/${e.path}`;
        out.push({ path, hash: e.hash, size: e.size, preview: previewKind(path, e.size) });
      }
    }
  }
  return out;
}

/** Headers every artifact answer carries: no sniffing, no script, no framing. */
const ARTIFACT_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'cache-control': 'private, max-age=3600',
};

function attachmentName(path: string): string {
  const base = path.split('/').pop() || 'artifact';
  const ascii = base.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}

/**
 * An artifact's bytes. `download`: always an attachment. Otherwise images come as
 * their image type and everything else as text/plain (cut at TEXT_PREVIEW_BYTES,
 * with `x-mlo-truncated`), or as an attachment when it has no preview.
 */
export function artifactResponse(
  ctx: UiContext,
  ref: string,
  path: string,
  download: boolean,
): UiResponse {
  const file = listRunArtifacts(ctx, ref).find((f) => f.path === path);
  if (!file) throw new MloError('NOT_FOUND', `run ${ref.slice(0, 8)} has no artifact ${path}`);
  const cache = cacheOf(ctx.repo);
  const where = cache.locate(file.hash);
  if (!where) throw new MloError('NOT_FOUND', `artifact ${path} is not in the cache`);
  if (download || file.preview === 'none') {
    const headers = {
      ...ARTIFACT_HEADERS,
      'content-type': 'application/octet-stream',
      'content-disposition': attachmentName(path),
    };
    return where.kind === 'loose'
      ? { status: 200, headers, file: where.path }
      : { status: 200, headers, body: cache.read(file.hash) };
  }
  if (file.preview === 'image') {
    const type = IMAGE_TYPES[extension(path)];
    const headers = { ...ARTIFACT_HEADERS, 'content-type': type };
    return where.kind === 'loose'
      ? { status: 200, headers, file: where.path }
      : { status: 200, headers, body: cache.read(file.hash) };
  }
  const bytes = cache.read(file.hash);
  const cut = bytes.length > TEXT_PREVIEW_BYTES;
  return {
    status: 200,
    headers: {
      ...ARTIFACT_HEADERS,
      'content-type': 'text/plain; charset=utf-8',
      ...(cut && { 'x-mlo-truncated': String(bytes.length) }),
    },
    body: cut ? bytes.subarray(0, TEXT_PREVIEW_BYTES) : bytes,
  };
}
