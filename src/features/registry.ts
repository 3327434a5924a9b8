/**
 * The feature registry: `plan` compares mlo.yaml's definitions with the version last
 * applied; `apply` records them as the next version and removes what they no longer
 * hold (the online values of removed or reshaped views, and the materialization
 * watermark with them). Joins, materializations and reads use the applied version,
 * so that lineage names definitions that were really recorded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { loadPipeline } from '../pipeline/index.js';
import { readGitInfo } from '../tracking/index.js';
import { withWriteLock } from '../store/index.js';
import { diffDefinitions, isEmpty, viewsToPurge, type ChangeSet } from './changes.js';
import {
  DEFINITIONS_FILE,
  EMPTY_DEFINITIONS,
  definitionsHash,
  loadDefinitions,
  type FeatureDefinitions,
} from './definitions.js';
import { openOnlineStore } from './online/index.js';
import {
  forgetMaterializations,
  getVersion,
  insertVersion,
  latestVersion,
  listVersions,
} from './records.js';

/** An applied version of the definitions: what every other command works from. */
export interface FeatureRegistry {
  repo: Repo;
  version: number;
  hash: string;
  defs: FeatureDefinitions;
}

/** The applied definitions (the latest version, or the one asked for). */
export function openFeatureRegistry(
  repo: Repo,
  options: { version?: number } = {},
): FeatureRegistry {
  const record =
    options.version === undefined
      ? latestVersion(repo.store)
      : getVersion(repo.store, options.version);
  if (!record) {
    if (options.version !== undefined)
      throw new MloError('NOT_FOUND', `no feature definitions version ${options.version}`);
    throw new MloError('NOT_FOUND', 'no feature definitions applied yet', {
      hint: `declare them under features: in ${DEFINITIONS_FILE}, then run mlo features apply`,
    });
  }
  return { repo, version: record.version, hash: record.hash, defs: record.definitions };
}

/** Whether mlo.yaml still says what the applied version says (for a warning, never a refusal). */
export function definitionsDrifted(reg: FeatureRegistry): boolean {
  try {
    return definitionsHash(loadDefinitions(reg.repo.root)) !== reg.hash;
  } catch {
    return true;
  }
}

export interface PlanResult {
  /** the applied version compared against; null before the first apply */
  current: number | null;
  /** the version apply would record; null when nothing changed */
  next: number | null;
  changes: ChangeSet;
  /** views whose online values apply removes */
  purge: string[];
  /** problems that make apply refuse (sources mlo does not track) */
  problems: string[];
  definitions: FeatureDefinitions;
}

export function planDefinitions(repo: Repo): PlanResult {
  const defs = loadDefinitions(repo.root);
  const last = latestVersion(repo.store);
  const before = last?.definitions ?? EMPTY_DEFINITIONS;
  const changes = diffDefinitions(before, defs);
  const changed = last ? last.hash !== definitionsHash(defs) : !isEmpty(changes);
  return {
    current: last?.version ?? null,
    next: changed ? (last?.version ?? 0) + 1 : null,
    changes,
    purge: viewsToPurge(before, defs),
    problems: untrackedSources(repo, defs),
    definitions: defs,
  };
}

/** Sources that are neither tracked by a pointer file nor written by a stage. */
function untrackedSources(repo: Repo, defs: FeatureDefinitions): string[] {
  const sources = Object.values(defs.sources);
  if (sources.length === 0) return [];
  let stageOuts = new Set<string>();
  try {
    const pipeline = loadPipeline(repo, { required: false });
    stageOuts = new Set(pipeline.stages.flatMap((s) => s.outs.map((o) => o.path)));
  } catch {
    // a pipeline that does not load is reported by mlo repro; only pointers count then
  }
  const problems: string[] = [];
  for (const s of sources) {
    const parts = s.path.split('/');
    const tracked = parts.some((_, i) => {
      const prefix = parts.slice(0, i + 1).join('/');
      return stageOuts.has(prefix) || existsSync(join(repo.root, `${prefix}.mlo`));
    });
    if (!tracked) {
      problems.push(
        `source ${s.name}: ${s.path} is not tracked by mlo (mlo add ${s.path}, or make it a stage's out)`,
      );
    }
  }
  return problems;
}

export interface ApplyResult extends PlanResult {
  /** the version now applied */
  version: number;
  /** whether a new version was recorded */
  recorded: boolean;
  /** views whose online values were removed */
  purged: string[];
}

export async function applyDefinitions(repo: Repo): Promise<ApplyResult> {
  const plan = planDefinitions(repo);
  if (plan.problems.length) {
    const [first, ...rest] = plan.problems;
    throw new MloError('INVALID', `${DEFINITIONS_FILE}: ${first}`, {
      hint: rest.length ? rest.join('\n') : undefined,
    });
  }
  const previous = latestVersion(repo.store);
  if (plan.next === null) {
    if (previous) return { ...plan, version: previous.version, recorded: false, purged: [] };
    throw new MloError('USAGE', `nothing to apply: ${DEFINITIONS_FILE} has no features`, {
      hint: 'declare entities, sources and views under features: (see docs/features.md)',
    });
  }
  const before = previous?.definitions ?? EMPTY_DEFINITIONS;
  // Online values go first: if removing them fails, no version claims they are gone.
  const purged = plan.purge;
  if (purged.length) {
    const online = await openOnlineStore(repo, before.onlineStore);
    try {
      await online.purge(purged);
    } finally {
      await online.close();
    }
  }
  const git = await readGitInfo(repo.root);
  const version = withWriteLock(repo.store, () => {
    forgetMaterializations(repo.store, purged);
    return insertVersion(repo.store, {
      hash: definitionsHash(plan.definitions),
      definitions: plan.definitions,
      changes: plan.changes,
      gitCommit: git.commit,
    });
  });
  return { ...plan, next: version, version, recorded: true, purged };
}

export { listVersions };
