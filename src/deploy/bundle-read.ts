/**
 * Opening a bundle for serving: a directory, or a `.tar.gz` extracted safely
 * (tar.ts) into a private directory. Every file is read once, hashed, checked against
 * the manifest and only then parsed, so what is served is exactly what was checked
 * (a file swapped after the check is never read again).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { constants } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import * as z from 'zod/mini';
import '../util/schema.js';
import { sha256 } from '../data/index.js';
import { errnoCode, MloError } from '../errors.js';
import { parseServeConfig, type ServeConfig } from '../serve/index.js';
import { tempPathFor } from '../util/atomic.js';
import { lstatOrNull } from '../util/fs.js';
import {
  BUNDLE_FILES,
  LISTED_FILES,
  baselineFileSchema,
  manifestSchema,
  signatureFileSchema,
  type BaselineFile,
  type BundleManifest,
  type SignatureFile,
} from './bundle-format.js';
import { isArchivePath } from './bundle-write.js';
import { extractTarGz, type ExtractLimits } from './tar.js';

export interface OpenedBundle {
  /** the bundle as the user named it */
  shown: string;
  manifest: BundleManifest;
  /** the model's bytes, checked against the manifest */
  model: Buffer;
  signature: SignatureFile;
  baseline: BaselineFile | null;
  serve: ServeConfig;
}

export interface OpenBundleOptions {
  /** directory `source` is relative to (default: the process's) */
  cwd?: string;
  /** where an archive is extracted (a private directory is made in it and removed after) */
  workDir: string;
  limits?: ExtractLimits;
}

const MAX_META_BYTES = 64 << 20;

function tampered(shown: string, file: string, what: string): MloError {
  return new MloError('INVALID', `bundle ${shown}: ${file} ${what}`, {
    hint: 'the bundle was changed after it was exported (or is not one): export it again with `mlo model export REF --bundle DIR`',
    details: { file },
  });
}

/** A file's bytes; refuses anything but a regular file (no links: O_NOFOLLOW). */
function readRegular(path: string, shown: string, name: string, max: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') throw tampered(shown, name, 'is missing');
    if (code === 'ELOOP') throw tampered(shown, name, 'is a symbolic link, not a regular file');
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw tampered(shown, name, 'is not a regular file');
    if (st.size > max) throw tampered(shown, name, `is larger than ${max} bytes`);
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

function parseJson<S extends z.ZodMiniType>(
  bytes: Buffer,
  schema: S,
  shown: string,
  name: string,
): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw tampered(shown, name, 'is not JSON');
  }
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.') || '(top level)';
    throw new MloError('INVALID', `bundle ${shown}: ${name}: ${field}: ${issue.message}`, {
      hint: 'export the bundle again with this version of mlo',
      details: { file: name },
    });
  }
  return parsed.data;
}

/** Check and read a bundle directory. */
export function readBundleDir(dir: string, shown: string): OpenedBundle {
  const manifest = parseJson(
    readRegular(join(dir, BUNDLE_FILES.manifest), shown, BUNDLE_FILES.manifest, MAX_META_BYTES),
    manifestSchema,
    shown,
    BUNDLE_FILES.manifest,
  );
  for (const name of Object.keys(manifest.files)) {
    if (!LISTED_FILES.includes(name)) {
      throw tampered(shown, BUNDLE_FILES.manifest, `lists "${name}", which is not a bundle file`);
    }
  }
  const read = (name: string, max: number): Buffer | null => {
    const entry = manifest.files[name];
    if (entry === undefined) return null;
    const bytes = readRegular(join(dir, name), shown, name, max);
    if (bytes.length !== entry.size) {
      throw tampered(shown, name, `is ${bytes.length} bytes; the manifest says ${entry.size}`);
    }
    const hash = sha256(bytes);
    if (hash !== entry.sha256) {
      throw tampered(
        shown,
        name,
        `does not match the manifest (sha256 ${hash.slice(0, 12)}…, expected ${entry.sha256.slice(0, 12)}…)`,
      );
    }
    return bytes;
  };
  const required = (name: string, max: number): Buffer => {
    const bytes = read(name, max);
    if (bytes === null) throw tampered(shown, BUNDLE_FILES.manifest, `does not list ${name}`);
    return bytes;
  };
  const model = required(BUNDLE_FILES.model, Number.MAX_SAFE_INTEGER);
  if (manifest.files[BUNDLE_FILES.model].sha256 !== manifest.model.hash) {
    throw tampered(shown, BUNDLE_FILES.manifest, "names another model hash than model.onnx's");
  }
  const signature = parseJson(
    required(BUNDLE_FILES.signature, MAX_META_BYTES),
    signatureFileSchema,
    shown,
    BUNDLE_FILES.signature,
  );
  const baselineBytes = read(BUNDLE_FILES.baseline, 1 << 30);
  const baseline = baselineBytes
    ? parseJson(baselineBytes, baselineFileSchema, shown, BUNDLE_FILES.baseline)
    : null;
  const serveBytes = required(BUNDLE_FILES.serve, MAX_META_BYTES);
  const serve = parseServeConfig(serveBytes.toString('utf8'), `${shown}/${BUNDLE_FILES.serve}`);
  return { shown, manifest, model, signature, baseline, serve };
}

/**
 * The bundle root of an extracted archive: its top level, or the one directory an
 * archive of a bundle directory (`tar czf b.tgz churn-bundle/`) holds.
 */
function bundleRoot(dir: string, files: readonly string[]): string {
  if (files.includes(BUNDLE_FILES.manifest)) return dir;
  const tops = new Set(files.map((f) => f.split('/')[0]));
  if (tops.size === 1) {
    const [top] = tops;
    if (files.includes(`${top}/${BUNDLE_FILES.manifest}`)) return join(dir, top);
  }
  return dir;
}

/** Open a bundle directory or archive; the caller serves `model` and imports the rest. */
export async function openBundle(
  source: string,
  options: OpenBundleOptions,
): Promise<OpenedBundle> {
  const cwd = options.cwd ?? process.cwd();
  const abs = resolve(cwd, source);
  const rel = relative(cwd, abs);
  const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
  const st = lstatOrNull(abs);
  if (st === null) throw new MloError('NOT_FOUND', `--bundle ${shown}: no such file or directory`);
  if (st.isDirectory()) return readBundleDir(abs, shown);
  if (!st.isFile() || !(isArchivePath(abs) || st.size > 0)) {
    throw new MloError('USAGE', `--bundle ${shown}: not a bundle directory or .tar.gz archive`);
  }
  mkdirSync(options.workDir, { recursive: true });
  const dest = tempPathFor(join(options.workDir, 'bundle'));
  try {
    const { files } = await extractTarGz(abs, dest, options.limits);
    return readBundleDir(bundleRoot(dest, files), shown);
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}
