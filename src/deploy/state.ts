/**
 * The state directory of `mlo serve` outside a repository (`--bundle`, a bare
 * `FILE.onnx`): the one place such a server writes, so a container can keep its root
 * file system read-only and mount a volume here (`$MLO_STATE_DIR`, `/var/lib/mlo` in
 * the generated image).
 *
 *     DIR/.mlo/mlo.db     a store with the repository schema: the served versions
 *                         (with their registry numbers), their baselines and the
 *                         prediction log
 *     DIR/.mlo/cache/     the served ONNX files
 *     DIR/.mlo/spool/     prediction log rows waiting for the store
 *     DIR/.mlo/state.yaml marks the directory as a serving state (not a project)
 *     DIR/tmp/            temporary files (TMPDIR in the image)
 *
 * It is an mlo repository without a workspace, so every command reads it with
 * `mlo -C DIR ...`: `mlo -C DIR drift check --model churn@champion --predictions`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheOf } from '../data/index.js';
import { MloError } from '../errors.js';
import { decodeSignature, planFeed } from '../onnx/index.js';
import { decodeProfile, findBaseline, storeBaseline } from '../monitor/index.js';
import type { Lineage, FeaturesSource } from '../registry/index.js';
import { checkModelName, MODEL_REF_KIND } from '../registry/index.js';
import { DOT_DIR, repoAt, type Repo } from '../repo/index.js';
import {
  addObjectRefs,
  appendAliasEvent,
  ensureModelRow,
  getAliasRow,
  getVersionRow,
  insertVersionRowAs,
  withWriteLock,
  writeAliasRow,
} from '../store/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { BaselineFile } from './bundle-format.js';

export const STATE_ENV = 'MLO_STATE_DIR';
export const DEFAULT_STATE_DIR = 'mlo-state';
const MARKER = 'state.yaml';

/** `--state-dir`, else $MLO_STATE_DIR, else ./mlo-state; absolute. */
export function stateDirOf(flag: string | undefined, cwd: string): string {
  const env = process.env[STATE_ENV]?.trim();
  return resolve(cwd, flag ?? (env ? env : DEFAULT_STATE_DIR));
}

/**
 * Open (creating it when new) the state directory at `dir`. A directory that is an
 * mlo project is refused: serving a bundle must never write into someone's registry.
 */
export function openStateRepo(dir: string): Repo {
  const dot = join(dir, DOT_DIR);
  if (existsSync(dot) && !existsSync(join(dot, MARKER))) {
    throw new MloError('USAGE', `${dir} is an mlo project, not a serving state directory`, {
      hint: 'give --state-dir (or $MLO_STATE_DIR) a directory of its own',
    });
  }
  try {
    mkdirSync(join(dot, 'cache'), { recursive: true });
    mkdirSync(join(dir, 'tmp'), { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
      throw new MloError('USAGE', `cannot write the state directory ${dir}: ${code}`, {
        hint: `point --state-dir or $${STATE_ENV} at a writable directory (a volume in a container)`,
      });
    }
    throw err;
  }
  if (!existsSync(join(dot, MARKER))) {
    writeFileAtomic(join(dir, '.gitignore'), '# mlo serve state: local to this machine\n*\n');
    writeFileAtomic(
      join(dot, MARKER),
      '# the state of `mlo serve --bundle` or `mlo serve FILE.onnx`: served versions, baselines, prediction log\nkind: serve-state\n',
    );
  }
  const repo = repoAt(dir);
  void repo.store; // creates and migrates the store now, not on the first request
  return repo;
}

export interface ImportedVersion {
  name: string;
  version: number;
  bytes: Uint8Array;
  hash: string;
  features: string[] | null;
  featuresSource: string | null;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  lineage: Lineage;
  createdMs: number;
  createdBy: string;
  source: string | null;
  /** point this alias at the version in the state directory */
  alias: string | null;
  baseline: BaselineFile | null;
}

export interface ImportResult {
  /** what to serve: NAME@ALIAS when an alias came with it, else NAME@VERSION */
  ref: string;
  /** the version was new to this state directory */
  created: boolean;
  /** the alias moved to it (from `previous`) */
  aliasMoved: boolean;
  previous: number | null;
}

/**
 * Keep a version in the state directory under its own registry number, with its
 * baseline, and move its alias to it. The same version again changes nothing; the
 * same number with other bytes is refused (two registries disagree).
 */
export async function importVersion(state: Repo, v: ImportedVersion): Promise<ImportResult> {
  const name = checkModelName(v.name);
  const label = `${name}@${v.version}`;
  const signature = await decodeSignature(v.bytes, label);
  const feed = planFeed(signature.inputs);
  if (feed.kind === 'unsupported') throw new MloError('INVALID', `${label}: ${feed.reason}`);
  cacheOf(state).putBuffer(v.hash, v.bytes);
  const now = Date.now();
  const outcome = withWriteLock(state.store, () => {
    const modelId = ensureModelRow(state.store, name, now);
    const existing = getVersionRow(state.store, name, v.version);
    if (existing && existing.hash !== v.hash) {
      throw new MloError(
        'CONFLICT',
        `the state directory ${state.root} already serves ${label} with other bytes (${existing.hash.slice(0, 12)}…)`,
        {
          hint: 'bundles from two registries disagree on this version; give this one its own --state-dir',
        },
      );
    }
    if (!existing) {
      insertVersionRowAs(state.store, modelId, v.version, {
        name,
        hash: v.hash,
        size: v.bytes.length,
        created_ms: v.createdMs,
        created_by: v.createdBy,
        source: v.source,
        run_id: v.lineage.runId,
        git_commit: v.lineage.gitCommit,
        git_dirty: v.lineage.gitDirty === null ? null : v.lineage.gitDirty ? 1 : 0,
        signature_json: JSON.stringify(signature),
        features_json: v.features ? JSON.stringify(v.features) : null,
        features_source: featuresSourceOf(v.featuresSource),
        metrics_json: JSON.stringify(v.metrics),
        tags_json: JSON.stringify(v.tags),
        lineage_json: JSON.stringify({
          inputs: v.lineage.inputs,
          baselineData: v.lineage.baselineData,
        }),
      });
      addObjectRefs(state.store, [{ kind: MODEL_REF_KIND, owner: label, hash: v.hash }]);
    }
    let previous: number | null = null;
    let aliasMoved = false;
    if (v.alias !== null) {
      previous = getAliasRow(state.store, name, v.alias)?.version ?? null;
      if (previous !== v.version) {
        writeAliasRow(state.store, modelId, v.alias, v.version, now);
        appendAliasEvent(state.store, modelId, {
          alias: v.alias,
          action: 'set',
          outcome: 'moved',
          from_version: previous,
          to_version: v.version,
          who: 'mlo serve (imported)',
          at_ms: now,
          git_commit: v.lineage.gitCommit,
          gates_json: null,
          detail_json: JSON.stringify({ imported: true }),
        });
        aliasMoved = true;
      }
    }
    return { created: !existing, aliasMoved, previous };
  });
  const key = { name, version: v.version };
  if (v.baseline && !findBaseline(state, { model: key })) {
    storeBaseline(state, preparedFrom(v.baseline, label), { model: key, force: true });
  }
  return {
    ref: v.alias !== null ? `${name}@${v.alias}` : label,
    created: outcome.created,
    aliasMoved: outcome.aliasMoved,
    previous: outcome.previous,
  };
}

/** A bundle's baseline as storeBaseline takes it (profiles decoded: a bad one is refused here). */
function preparedFrom(b: BaselineFile, label: string): Parameters<typeof storeBaseline>[1] {
  return {
    record: {
      source: b.source,
      sourceHash: b.source_hash,
      sourceFormat: b.source_format,
      rows: b.rows,
      target: b.target,
      prediction: b.prediction,
      meta: b.meta,
    },
    columns: b.columns.map((c) => {
      const bytes = new Uint8Array(Buffer.from(c.profile, 'base64'));
      let profile;
      try {
        profile = decodeProfile(bytes);
      } catch (err) {
        throw new MloError(
          'INVALID',
          `the baseline of ${label}: column "${c.name}": ${(err as Error).message}`,
        );
      }
      return {
        position: c.position,
        name: c.name,
        kind: c.kind,
        role: c.role,
        sourceKind: c.source_kind,
        kindSource: c.kind_source,
        profile,
        bytes,
      };
    }),
  };
}

/** Where the feature names came from, as the registry knows it (anything else: unknown). */
function featuresSourceOf(text: string | null): FeaturesSource | null {
  return text === 'flag' || text === 'metadata' || text === 'baseline-data' || text === 'inputs'
    ? text
    : null;
}
