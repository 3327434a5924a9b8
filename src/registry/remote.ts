/**
 * The registry of record on a server (`registry: team`). Registration is worked out
 * here (signature, features, lineage, the baseline's profile), the model file
 * uploaded, and the server numbers the version. Promotions run their gates here, on
 * this clone's copy of the registry, and ask the server to move the alias only if it
 * still holds the version the gates were measured against. After every change this
 * clone's copy is brought up to date, so local reads (eval, serve, drift) see it.
 */
import type { Repo } from '../repo/index.js';
import { getModelRow, listVersionRows } from '../store/index.js';
import { fetchObjects, pullRecords, ServerClient, type ServerTarget } from '../sync/index.js';
import { MloError } from '../errors.js';
import type { ProgressFn } from '../util/progress.js';
import type {
  AliasActionOptions,
  AliasChange,
  PromotionDecision,
  SetAliasOptions,
} from './aliases.js';
import type { RegistryBackend, RegistryTarget } from './backend.js';
import type { RegistryChange } from './meta.js';
import type { ModelDetail, ModelSummary } from './query.js';
import type { ModelVersion } from './records.js';
import { checkAliasName, checkModelName } from './ref.js';
import { planRegistration, type RegisterOptions, type RegisterResult } from './register.js';
import { readActor, type Actor } from './who.js';
import { encodeBaseline } from './wire.js';
import type { BaselineInfo } from '../monitor/index.js';

const seg = encodeURIComponent;

/** The registry on `target`; when the server cannot be reached, the error says what --local does. */
export function remoteRegistry(repo: Repo, target: ServerTarget): RegistryBackend {
  const backend = backendOn(repo, target);
  const hint = `the registry of record is on ${target.name} (registry: ${target.name} in mlo.yaml); --local acts on this clone's own registry instead`;
  const wrapped = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(backend)) {
    wrapped[k] =
      typeof v === 'function'
        ? async (...args: unknown[]) => {
            try {
              return await (v as (...a: unknown[]) => Promise<unknown>)(...args);
            } catch (err) {
              if (err instanceof MloError && err.code === 'UNAVAILABLE') {
                throw new MloError(err.code, err.message, { hint, cause: err });
              }
              throw err;
            }
          }
        : v;
  }
  return wrapped as unknown as RegistryBackend;
}

function backendOn(repo: Repo, target: ServerTarget): RegistryBackend {
  const client = new ServerClient(target);
  const refresh = async (
    options: { name?: string; onProgress?: ProgressFn } = {},
  ): Promise<void> => {
    await pullRecords(repo, target, { predictions: false, onProgress: options.onProgress });
    if (options.name === undefined) return;
    // model files pulled earlier without their bytes (or removed from the cache since)
    const model = getModelRow(repo.store, options.name);
    const hashes = model
      ? listVersionRows(repo.store, model.id)
          .filter((v) => (v.format ?? 'onnx') === 'onnx')
          .map((v) => v.hash)
      : [];
    if (hashes.length) await fetchObjects(repo, client, hashes);
  };
  const aliasPath = (name: string, alias: string, action: string): string =>
    `/api/registry/models/${seg(checkModelName(name))}/aliases/${seg(alias)}/${action}`;
  const post = async <T>(path: string, body: Record<string, unknown>): Promise<T> => {
    const r = await client.json<T>('POST', path, { body });
    await refresh();
    return r;
  };
  const commit = async (actor?: Actor): Promise<string | null> =>
    (actor ?? (await readActor(repo))).gitCommit;

  return {
    where: target.name,
    async register(options: RegisterOptions): Promise<RegisterResult> {
      const plan = await planRegistration(repo, options, {
        checkExisting: false,
        allowArtifacts: false,
      });
      if ('done' in plan) return plan.done;
      const { draft } = plan;
      const present = await client.json<{ present: string[] }>('POST', '/api/objects/has', {
        body: { objects: [{ hash: draft.hash, size: draft.size }] },
        retry: 'idempotent',
      });
      if (present.present.length === 0) await client.putObject(draft.hash, { data: plan.bytes });
      const r = await post<{
        created: boolean;
        model: ModelVersion;
        baseline: BaselineInfo | null;
      }>(`/api/registry/models/${seg(draft.name)}/versions`, {
        draft,
        baseline: plan.baseline ? encodeBaseline(plan.baseline) : undefined,
      });
      if (!r.created) {
        plan.warnings.push({
          message: `${options.path} is already ${r.model.name}@${r.model.version} on ${target.name}; nothing registered`,
        });
      }
      return {
        created: r.created,
        model: r.model,
        baseline: r.baseline,
        warnings: plan.warnings,
        lineageRun: r.created ? plan.lineageRun : null,
      };
    },
    async setAlias(o: SetAliasOptions): Promise<AliasChange> {
      checkAliasName(o.alias, { settable: true });
      return post(aliasPath(o.name, o.alias, 'set'), {
        version: o.version,
        expected_from: o.expectedFrom,
        git_commit: await commit(o.actor),
      });
    },
    async removeAlias(o: AliasActionOptions): Promise<AliasChange> {
      return post(aliasPath(o.name, checkAliasName(o.alias), 'remove'), {
        expected_from: o.expectedFrom,
        git_commit: await commit(o.actor),
      });
    },
    async rollbackAlias(o: { name: string; alias: string }): Promise<AliasChange> {
      return post(aliasPath(o.name, checkAliasName(o.alias), 'rollback'), {
        git_commit: await commit(),
      });
    },
    async recordPromotion(d: PromotionDecision, actor: Actor): Promise<AliasChange> {
      return post(aliasPath(d.name, d.alias, 'promote'), {
        version: d.version,
        expected_from: d.expectedFrom,
        move: d.move,
        gates: d.gates,
        detail: d.detail,
        git_commit: actor.gitCommit,
      });
    },
    async setTag(t: RegistryTarget, key: string, value: string): Promise<RegistryChange> {
      return post(`/api/registry/models/${seg(checkModelName(t.name))}/tags`, {
        version: t.version,
        key,
        value,
      });
    },
    async removeTag(t: RegistryTarget, key: string): Promise<RegistryChange> {
      return post(`/api/registry/models/${seg(checkModelName(t.name))}/tags`, {
        version: t.version,
        key,
        remove: true,
      });
    },
    async describe(t: RegistryTarget, description: string): Promise<RegistryChange> {
      return post(`/api/registry/models/${seg(checkModelName(t.name))}/describe`, {
        version: t.version,
        description,
      });
    },
    async listModels(): Promise<ModelSummary[]> {
      return (await client.json<{ models: ModelSummary[] }>('GET', '/api/registry/models')).models;
    },
    async listVersions(name: string): Promise<ModelVersion[]> {
      const path = `/api/registry/models/${seg(checkModelName(name))}/versions`;
      return (await client.json<{ versions: ModelVersion[] }>('GET', path)).versions;
    },
    async showModel(ref: string): Promise<ModelDetail> {
      return client.json<ModelDetail>('GET', `/api/registry/show?ref=${seg(ref)}`);
    },
    refresh,
  };
}
