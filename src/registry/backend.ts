/**
 * One registry API, two places it can live: this repository's store (local), or a
 * server's (`registry: <remote>` in mlo.yaml), which then decides version numbers and
 * alias moves for the whole team. Commands take a RegistryBackend and never branch.
 */
import type { Repo } from '../repo/index.js';
import type { ProgressFn } from '../util/progress.js';
import {
  removeAlias,
  rollbackAlias,
  recordPromotion,
  setAlias,
  type AliasActionOptions,
  type AliasChange,
  type PromotionDecision,
  type SetAliasOptions,
} from './aliases.js';
import {
  describeRegistry,
  removeRegistryTag,
  setRegistryTag,
  type RegistryChange,
} from './meta.js';
import {
  listModels,
  listVersions,
  showModel,
  type ModelDetail,
  type ModelSummary,
} from './query.js';
import type { ModelVersion } from './records.js';
import { registerModel, type RegisterOptions, type RegisterResult } from './register.js';
import type { Actor } from './who.js';

export interface RegistryTarget {
  name: string;
  /** undefined: the model itself */
  version?: number;
}

export interface RegistryBackend {
  /** "local", or the name of the remote whose server holds the registry */
  readonly where: string;
  register(options: RegisterOptions): Promise<RegisterResult>;
  setAlias(options: SetAliasOptions): Promise<AliasChange>;
  removeAlias(options: AliasActionOptions): Promise<AliasChange>;
  rollbackAlias(options: { name: string; alias: string }): Promise<AliasChange>;
  /** audit a promotion decided by gates and, when they passed, move the alias (compare-and-set) */
  recordPromotion(decision: PromotionDecision, actor: Actor): Promise<AliasChange>;
  setTag(target: RegistryTarget, key: string, value: string): Promise<RegistryChange>;
  removeTag(target: RegistryTarget, key: string): Promise<RegistryChange>;
  describe(target: RegistryTarget, description: string): Promise<RegistryChange>;
  listModels(): Promise<ModelSummary[]>;
  listVersions(name: string): Promise<ModelVersion[]>;
  showModel(ref: string): Promise<ModelDetail>;
  /**
   * Bring this repository's copy of the registry up to date, with the model files of
   * `name`'s versions (promote and eval read the registry and the files locally).
   */
  refresh(options?: { name?: string; onProgress?: ProgressFn }): Promise<void>;
}

/** The registry in this repository's store. */
export function localRegistry(repo: Repo): RegistryBackend {
  return {
    where: 'local',
    register: (o) => registerModel(repo, o),
    setAlias: (o) => setAlias(repo, o),
    removeAlias: (o) => removeAlias(repo, o),
    rollbackAlias: (o) => rollbackAlias(repo, o),
    recordPromotion: (d, actor) => recordPromotion(repo, d, actor),
    setTag: (t, k, v) => setRegistryTag(repo, t, k, v),
    removeTag: (t, k) => removeRegistryTag(repo, t, k),
    describe: (t, text) => describeRegistry(repo, t, text),
    listModels: () => Promise.resolve(listModels(repo)),
    listVersions: (name) => Promise.resolve(listVersions(repo, name)),
    showModel: (ref) => Promise.resolve(showModel(repo, ref)),
    refresh: () => Promise.resolve(),
  };
}
