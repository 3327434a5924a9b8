/**
 * `mlo model export REF --bundle DEST`: a version with everything needed to serve it
 * without the repository (see bundle-format.ts), as a directory or a `.tar.gz`.
 *
 * The bundle is built in a temp directory beside the destination and renamed into
 * place, so a bundle is whole or absent; the destination gets the same guards as a
 * plain export (never inside `.git` or `.mlo`, an existing one replaced only with
 * `force`, and then only when it is a bundle or a regular file).
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import pkg from '../../package.json' with { type: 'json' };
import { sha256 } from '../data/index.js';
import { errnoCode, MloError } from '../errors.js';
import { findBaseline, loadBaseline } from '../monitor/index.js';
import {
  parseModelRef,
  readModelBytes,
  resolveModel,
  type ModelVersion,
} from '../registry/index.js';
import type { ModelSignature } from '../onnx/index.js';
import type { Repo } from '../repo/index.js';
import { loadServeConfig, type ServeConfig } from '../serve/index.js';
import { tempPathFor, writeFileAtomic } from '../util/atomic.js';
import { lstatOrNull } from '../util/fs.js';
import { checkDestination } from './dest.js';
import {
  BUNDLE_FILES,
  BUNDLE_FORMAT,
  BUNDLE_FORMAT_VERSION,
  type BaselineFile,
  type BundleManifest,
  type SignatureFile,
} from './bundle-format.js';
import { writeTarGz } from './tar.js';

export interface ExportBundleOptions {
  /** directory `dest` is relative to (default: the repository root) */
  cwd?: string;
  /** replace an existing bundle directory or archive */
  force?: boolean;
}

export interface BundleResult {
  /** absolute path written */
  path: string;
  format: 'directory' | 'tar.gz';
  name: string;
  version: number;
  ref: string;
  hash: string;
  files: { name: string; size: number; sha256: string }[];
  /** the version's baseline went in */
  baseline: boolean;
}

/** `.tar.gz` / `.tgz` destinations are archives; anything else is a directory. */
export function isArchivePath(path: string): boolean {
  return /\.(tar\.gz|tgz)$/i.test(path);
}

/** The serve settings worth carrying to another machine: not the model, host or canary. */
function portableServeConfig(config: ServeConfig): ServeConfig {
  const out: ServeConfig = {};
  if (config.log_predictions !== undefined) out.log_predictions = config.log_predictions;
  if (config.token_env !== undefined) out.token_env = config.token_env;
  if (config.max_batch !== undefined) out.max_batch = config.max_batch;
  if (config.max_delay_ms !== undefined) out.max_delay_ms = config.max_delay_ms;
  if (config.threads !== undefined) out.threads = config.threads;
  if (config.max_body_bytes !== undefined) out.max_body_bytes = config.max_body_bytes;
  if (config.max_rows !== undefined) out.max_rows = config.max_rows;
  return out;
}

function baselineFileOf(repo: Repo, model: ModelVersion): BaselineFile | null {
  const key = { name: model.name, version: model.version };
  if (!findBaseline(repo, { model: key })) return null;
  const b = loadBaseline(repo, { model: key });
  return {
    name: b.record.name,
    source: b.record.source,
    source_hash: b.record.sourceHash,
    source_format: b.record.sourceFormat,
    rows: b.record.rows,
    target: b.record.target,
    prediction: b.record.prediction,
    meta: b.record.meta,
    columns: b.columns.map((c) => ({
      position: c.position,
      name: c.name,
      kind: c.kind,
      role: c.role,
      source_kind: c.sourceKind,
      kind_source: c.kindSource,
      profile: Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength).toString(
        'base64',
      ),
    })),
  };
}

/** Write the bundle's files into `dir` (which exists and is empty); returns them in order. */
function writeBundleFiles(
  repo: Repo,
  model: ModelVersion,
  ref: string,
  dir: string,
): { files: BundleResult['files']; baseline: boolean } {
  const contents = new Map<string, Uint8Array>();
  contents.set(BUNDLE_FILES.model, readModelBytes(repo, model));
  const signature: Omit<SignatureFile, 'signature'> & { signature: ModelSignature } = {
    features: model.features,
    features_source: model.featuresSource,
    signature: model.signature,
  };
  contents.set(BUNDLE_FILES.signature, Buffer.from(JSON.stringify(signature, null, 2) + '\n'));
  const baseline = baselineFileOf(repo, model);
  if (baseline) contents.set(BUNDLE_FILES.baseline, Buffer.from(JSON.stringify(baseline) + '\n'));
  const serve = portableServeConfig(loadServeConfig(repo.root));
  contents.set(
    BUNDLE_FILES.serve,
    Buffer.from(
      '# the serve: settings this bundle was exported with; flags of `mlo serve --bundle` win\n' +
        stringify({ serve }),
    ),
  );
  const files: BundleResult['files'] = [];
  for (const [name, bytes] of contents) {
    writeFileAtomic(join(dir, name), bytes, { mode: 0o644 });
    files.push({ name, size: bytes.length, sha256: sha256(bytes) });
  }
  const parsed = parseModelRef(ref);
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    format_version: BUNDLE_FORMAT_VERSION,
    created_at: new Date().toISOString(),
    mlo_version: pkg.version,
    model: {
      name: model.name,
      version: model.version,
      ref: parsed.text,
      alias: parsed.kind === 'alias' ? parsed.alias : null,
      hash: model.hash,
      size: model.size,
      created_at: model.createdAt,
      created_by: model.createdBy,
      source: model.source,
      metrics: model.metrics,
      tags: model.tags,
      lineage: {
        run_id: model.lineage.runId,
        git_commit: model.lineage.gitCommit,
        git_dirty: model.lineage.gitDirty,
        inputs: model.lineage.inputs,
        baseline_data: model.lineage.baselineData,
        params: model.lineage.params,
      },
    },
    files: Object.fromEntries(files.map((f) => [f.name, { sha256: f.sha256, size: f.size }])),
  };
  writeFileAtomic(join(dir, BUNDLE_FILES.manifest), JSON.stringify(manifest, null, 2) + '\n', {
    mode: 0o644,
  });
  return { files, baseline: baseline !== null };
}

/** Write a bundle of `ref` to `dest` (a directory, or a `.tar.gz`/`.tgz` file). */
export async function exportBundle(
  repo: Repo,
  ref: string,
  dest: string,
  options: ExportBundleOptions = {},
): Promise<BundleResult> {
  const model = resolveModel(repo, ref);
  const archive = isArchivePath(dest);
  const { real, shown, existing } = checkDestination(options.cwd ?? repo.root, dest, {
    what: 'the bundle',
    file: archive,
    force: options.force,
    ours: (dir) => lstatOrNull(join(dir, BUNDLE_FILES.manifest))?.isFile() === true,
    kind: archive ? 'a regular file' : 'a bundle directory',
  });

  const staging = tempPathFor(real);
  mkdirSync(staging, { mode: 0o755 });
  try {
    const { files, baseline } = writeBundleFiles(repo, model, ref, staging);
    if (archive) {
      const tmpArchive = tempPathFor(real);
      try {
        await writeTarGz(
          tmpArchive,
          [BUNDLE_FILES.manifest, ...files.map((f) => f.name)].map((name) => ({
            name,
            path: join(staging, name),
          })),
        );
        renameSync(tmpArchive, real);
      } finally {
        rmSync(tmpArchive, { force: true });
      }
    } else {
      replaceDirectory(staging, real, existing, shown);
    }
    return {
      path: real,
      format: archive ? 'tar.gz' : 'directory',
      name: model.name,
      version: model.version,
      ref: parseModelRef(ref).text,
      hash: model.hash,
      files,
      baseline,
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Rename the finished bundle into place; an old one is moved aside first, then removed. */
export function replaceDirectory(
  staging: string,
  real: string,
  existing: boolean,
  shown: string,
): void {
  let aside: string | undefined;
  if (existing) {
    aside = tempPathFor(real);
    renameSync(real, aside);
  }
  try {
    renameSync(staging, real);
  } catch (err) {
    if (aside) renameSync(aside, real);
    const code = errnoCode(err);
    if (code === 'EEXIST' || code === 'ENOTEMPTY') {
      throw new MloError('CONFLICT', `${shown} appeared while the bundle was being written`, {
        hint: 'nothing was replaced; run the export again',
      });
    }
    throw err;
  }
  if (aside) rmSync(aside, { recursive: true, force: true });
}
