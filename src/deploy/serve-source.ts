/**
 * What `mlo serve` serves when there is no repository: a bundle, or a bare ONNX file.
 * Either is imported into the state directory (state.ts), which `startServer` then
 * serves like any repository: hot reload, the prediction log and its spool work
 * unchanged, and the log stays readable by `mlo -C STATE drift check --predictions`.
 */
import { basename, extname, isAbsolute, relative, resolve } from 'node:path';
import { MloError } from '../errors.js';
import { registerModel, MODEL_NAME_RE } from '../registry/index.js';
import type { Repo } from '../repo/index.js';
import type { ServeConfig } from '../serve/index.js';
import { openBundle } from './bundle-read.js';
import { importVersion, openStateRepo } from './state.js';
import type { ExtractLimits } from './tar.js';

export interface StandaloneServe {
  /** the state directory, opened as a repository (close it after the server) */
  repo: Repo;
  /** the reference to serve in it */
  model: string;
  /** serve: settings that came with the model (a bundle's serve.yaml), flags win */
  config: ServeConfig;
  /** one line each: what was imported */
  notes: string[];
}

export interface BundleServeOptions {
  bundle: string;
  stateDir: string;
  cwd: string;
  limits?: ExtractLimits;
}

/** Check a bundle, import its version into the state directory, and say what to serve. */
export async function prepareBundleServe(options: BundleServeOptions): Promise<StandaloneServe> {
  const state = openStateRepo(options.stateDir);
  try {
    const b = await openBundle(options.bundle, {
      cwd: options.cwd,
      workDir: resolve(options.stateDir, 'tmp'),
      limits: options.limits,
    });
    const m = b.manifest.model;
    const r = await importVersion(state, {
      name: m.name,
      version: m.version,
      bytes: b.model,
      hash: m.hash,
      features: b.signature.features,
      featuresSource: b.signature.features_source,
      metrics: m.metrics,
      tags: m.tags,
      lineage: {
        runId: m.lineage.run_id,
        gitCommit: m.lineage.git_commit,
        gitDirty: m.lineage.git_dirty,
        inputs: m.lineage.inputs,
        baselineData: m.lineage.baseline_data,
        params: m.lineage.params ?? {},
      },
      createdMs: Date.parse(m.created_at) || Date.now(),
      createdBy: m.created_by,
      source: m.source,
      alias: m.alias,
      baseline: b.baseline,
    });
    const notes = [
      `bundle ${b.shown}: ${m.name}@${m.version} (sha256 ${m.hash.slice(0, 12)}…, every file checked)`,
    ];
    if (r.aliasMoved && r.previous !== null) {
      notes.push(
        `${r.ref} moved from version ${r.previous} to ${m.version} in the state directory`,
      );
    }
    return { repo: state, model: r.ref, config: b.serve, notes };
  } catch (err) {
    state.close();
    throw err;
  }
}

/** `model.onnx` → `model`; characters a model name cannot hold become "-". */
export function modelNameOfFile(file: string): string {
  const stem = basename(file, extname(file)).replace(/[^A-Za-z0-9._-]/g, '-');
  const name = /^[A-Za-z0-9]/.test(stem) ? stem : `model-${stem}`;
  const cut = name.slice(0, 128);
  return MODEL_NAME_RE.test(cut) ? cut : 'model';
}

export interface OnnxServeOptions {
  file: string;
  stateDir: string;
  cwd: string;
}

/** Register a bare ONNX file in the state directory (the same bytes: the same version). */
export async function prepareOnnxServe(options: OnnxServeOptions): Promise<StandaloneServe> {
  const state = openStateRepo(options.stateDir);
  try {
    const abs = resolve(options.cwd, options.file);
    const rel = relative(options.cwd, abs);
    const shown = rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
    const name = modelNameOfFile(abs);
    const r = await registerModel(state, { name, path: abs, cwd: options.cwd });
    const ref = `${r.model.name}@${r.model.version}`;
    const notes = [`${shown}: served as ${ref} (no repository: a state directory holds it)`];
    for (const w of r.warnings) notes.push(w.message);
    return { repo: state, model: ref, config: {}, notes };
  } catch (err) {
    state.close();
    if (
      err instanceof MloError &&
      err.code === 'NOT_FOUND' &&
      err.message.endsWith('no such file')
    ) {
      throw new MloError('NOT_FOUND', `${options.file}: no such file`);
    }
    throw err;
  }
}

/** Whether the positional argument of `mlo serve` names an ONNX file rather than a model. */
export function looksLikeOnnxFile(arg: string): boolean {
  return /\.onnx$/i.test(arg) || arg.includes('/');
}
