/**
 * The registry of record: versions numbered here, alias moves as compare-and-set in
 * one transaction, every decision audited with the token's identity. Clients run the
 * promotion gates where the data is and send the decision (src/registry/remote.ts);
 * serving replicas resolve and follow references (resolve, with a long poll).
 */
import { stat } from 'node:fs/promises';
import { MloError } from '../../errors.js';
import { decodeProfile, findBaseline, storeBaseline } from '../../monitor/index.js';
import { planFeed, readSignature } from '../../onnx/index.js';
import {
  aliasHistory,
  checkAliasName,
  checkModelName,
  commitRegistration,
  decodeBaseline,
  describeRegistry,
  getVersion,
  listModels,
  listVersions,
  parseCommit,
  parseDraft,
  parseExpected,
  parseGateResults,
  parseModelRef,
  recordPromotion,
  registryGeneration,
  removeAlias,
  removeRegistryTag,
  resolveModel,
  rollbackAlias,
  setAlias,
  setRegistryTag,
  showModel,
  type Actor,
  type WireBaseline,
} from '../../registry/index.js';
import type { Repo } from '../../repo/index.js';
import { baselineColumnNames, versionGid } from '../../store/index.js';
import type { Call, Reply, Route } from '../http.js';
import type { ServerObjectStore } from '../objects.js';
import { MAX_WAITERS, type Watchers } from '../watch.js';

const NAME = '([^/]+)';
const ALIAS = '([^/]+)';
const MAX_WAIT_S = 60;

function actorOf(call: Call): Actor {
  const body = (call.body ?? {}) as { git_commit?: unknown };
  return { who: call.identity.name, gitCommit: parseCommit(body.git_commit), gitDirty: null };
}

function bodyOf(call: Call): Record<string, unknown> {
  if (call.body === undefined) return {};
  if (typeof call.body !== 'object' || call.body === null || Array.isArray(call.body)) {
    throw new MloError('INVALID', 'the body must be a JSON object');
  }
  return call.body as Record<string, unknown>;
}

function optVersion(v: unknown, field = 'version'): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isSafeInteger(v) || (v as number) < 1)
    throw new MloError('INVALID', `${field}: a version number`);
  return v as number;
}

function requiredRef(call: Call): string {
  const ref = call.url.searchParams.get('ref');
  if (!ref) throw new MloError('USAGE', 'ref: NAME, NAME@VERSION or NAME@ALIAS');
  return ref;
}

/** What a serving replica needs about a version: its bytes' hash, signature, features, baseline. */
export function resolution(repo: Repo, ref: string): Record<string, unknown> {
  const m = resolveModel(repo, ref);
  const baseline = findBaseline(repo, { model: { name: m.name, version: m.version } });
  return {
    ref: parseModelRef(ref).text,
    name: m.name,
    version: m.version,
    gid: versionGid(repo.store, m.name, m.version) ?? null,
    hash: m.hash,
    size: m.size,
    format: m.format,
    signature: m.signature,
    features: m.features,
    aliases: m.aliases,
    created_at: m.createdAt,
    object: `/api/objects/${m.hash}`,
    baseline: baseline
      ? {
          name: baseline.name,
          rows: baseline.rows,
          target: baseline.target,
          prediction: baseline.prediction,
          columns: baselineColumnNames(repo.store, baseline.id),
        }
      : null,
    generation: registryGeneration(repo),
  };
}

const etagOf = (r: Record<string, unknown>): string =>
  `"${String(r.name)}@${String(r.version)}:${String(r.hash)}"`;

export function registryRoutes(objects: ServerObjectStore, watchers: Watchers): Route[] {
  const write = (r: Omit<Route, 'scope' | 'body' | 'registryWrite'>): Route => ({
    ...r,
    scope: 'write',
    body: 1 << 20,
    registryWrite: true,
  });
  return [
    {
      name: 'registry_models',
      method: 'GET',
      path: /^\/api\/registry\/models$/,
      scope: 'read',
      handle: (call) => ({ json: { models: listModels(call.ctx.repo) } }),
    },
    {
      name: 'registry_versions',
      method: 'GET',
      path: new RegExp(`^/api/registry/models/${NAME}/versions$`),
      scope: 'read',
      handle: (call) => ({
        json: { name: call.params[0], versions: listVersions(call.ctx.repo, call.params[0]) },
      }),
    },
    {
      name: 'registry_show',
      method: 'GET',
      path: /^\/api\/registry\/show$/,
      scope: 'read',
      handle: (call) => ({ json: showModel(call.ctx.repo, requiredRef(call)) }),
    },
    {
      name: 'registry_history',
      method: 'GET',
      path: new RegExp(`^/api/registry/models/${NAME}/history$`),
      scope: 'read',
      handle: (call) => {
        const alias = call.url.searchParams.get('alias') ?? undefined;
        const v = call.url.searchParams.get('version');
        return {
          json: {
            events: aliasHistory(call.ctx.repo, call.params[0], {
              alias,
              version: v === null ? undefined : optVersion(Number(v)),
            }),
          },
        };
      },
    },
    {
      // GET ?ref=churn@champion[&wait=S] with If-None-Match: the ETag of what the caller has
      name: 'registry_resolve',
      method: 'GET',
      path: /^\/api\/registry\/resolve$/,
      scope: 'read',
      handle: async (call): Promise<Reply> => {
        const repo = call.ctx.repo;
        const ref = requiredRef(call);
        parseModelRef(ref);
        const have = call.req.headers['if-none-match'];
        const waitS = Math.min(
          Math.max(Number(call.url.searchParams.get('wait') ?? 0) || 0, 0),
          MAX_WAIT_S,
        );
        let current = resolution(repo, ref);
        if (have === undefined || have !== etagOf(current) || waitS === 0) {
          if (have !== undefined && have === etagOf(current))
            return { status: 304, headers: { etag: etagOf(current) } };
          return { json: current, headers: { etag: etagOf(current), 'cache-control': 'no-cache' } };
        }
        if (watchers.size >= MAX_WAITERS) {
          return {
            status: 503,
            json: { error: { code: 'UNAVAILABLE', message: 'too many waiting requests' } },
            headers: { 'retry-after': '1' },
          };
        }
        let reply: { status: number; body?: Record<string, unknown> } = { status: 304 };
        await watchers.wait(
          () => {
            let next: Record<string, unknown>;
            try {
              next = resolution(repo, ref);
            } catch (err) {
              // the alias was removed: answer with the error rather than wait on
              reply = {
                status: (err as MloError).httpStatus ?? 500,
                body: { error: { code: (err as MloError).code, message: (err as Error).message } },
              };
              return true;
            }
            if (etagOf(next) === have) return false;
            current = next;
            reply = { status: 200, body: next };
            return true;
          },
          () => undefined,
          waitS * 1000,
          call.closed,
        );
        if (reply.status === 304) return { status: 304, headers: { etag: have } };
        return {
          status: reply.status,
          json: reply.body,
          headers: reply.status === 200 ? { etag: etagOf(current) } : {},
        };
      },
    },
    {
      name: 'registry_register',
      method: 'POST',
      path: new RegExp(`^/api/registry/models/${NAME}/versions$`),
      scope: 'write',
      body: 64 << 20,
      registryWrite: true,
      handle: async (call) => {
        const repo = call.ctx.repo;
        const name = checkModelName(call.params[0]);
        const body = bodyOf(call);
        const draftIn = body.draft as { hash?: unknown; size?: unknown } | undefined;
        const hash = typeof draftIn?.hash === 'string' ? draftIn.hash : '';
        if (!/^[0-9a-f]{64}$/.test(hash))
          throw new MloError('INVALID', 'draft.hash: 64 hex digits');
        if ((await objects.has([{ hash }])).length === 0) {
          throw new MloError(
            'CONFLICT',
            `the model file ${hash.slice(0, 12)} is not on the server`,
            {
              hint: `upload it first: PUT /api/objects/${hash}`,
            },
          );
        }
        // the signature is read again from the bytes the server holds, never taken on trust
        const { signature, size } = await objects.withLocalFile(hash, async (path) => ({
          signature: await readSignature(path),
          size: (await stat(path)).size,
        }));
        const feed = planFeed(signature.inputs);
        if (feed.kind === 'unsupported') throw new MloError('INVALID', `${name}: ${feed.reason}`);
        const draft = parseDraft(body.draft, name, signature);
        if (size !== draft.size)
          throw new MloError('INVALID', `draft.size: the object holds ${size} bytes`);
        const baseline = body.baseline
          ? decodeBaseline(body.baseline as WireBaseline, decodeProfile)
          : undefined;
        const r = commitRegistration(repo, draft, {
          who: call.identity.name,
          storeBaseline: baseline
            ? (model) => storeBaseline(repo, baseline, { model, force: true })
            : undefined,
        });
        return {
          status: r.created ? 201 : 200,
          json: {
            created: r.created,
            model: getVersion(repo, name, r.version),
            baseline: r.baseline,
          },
        };
      },
    },
    write({
      name: 'registry_alias_set',
      method: 'POST',
      path: new RegExp(`^/api/registry/models/${NAME}/aliases/${ALIAS}/set$`),
      handle: async (call) => {
        const body = bodyOf(call);
        const change = await setAlias(call.ctx.repo, {
          name: call.params[0],
          alias: call.params[1],
          version: optVersion(body.version),
          expectedFrom: parseExpected(body.expected_from),
          actor: actorOf(call),
        });
        return { json: change };
      },
    }),
    write({
      name: 'registry_alias_remove',
      method: 'POST',
      path: new RegExp(`^/api/registry/models/${NAME}/aliases/${ALIAS}/remove$`),
      handle: async (call) => {
        const body = bodyOf(call);
        const change = await removeAlias(call.ctx.repo, {
          name: call.params[0],
          alias: call.params[1],
          expectedFrom: parseExpected(body.expected_from),
          actor: actorOf(call),
        });
        return { json: change };
      },
    }),
    write({
      name: 'registry_alias_rollback',
      method: 'POST',
      path: new RegExp(`^/api/registry/models/${NAME}/aliases/${ALIAS}/rollback$`),
      handle: async (call) => ({
        json: await rollbackAlias(call.ctx.repo, {
          name: call.params[0],
          alias: call.params[1],
          actor: actorOf(call),
        }),
      }),
    }),
    write({
      name: 'registry_promote',
      method: 'POST',
      path: new RegExp(`^/api/registry/models/${NAME}/aliases/${ALIAS}/promote$`),
      handle: async (call) => {
        const body = bodyOf(call);
        const name = checkModelName(call.params[0]);
        const alias = checkAliasName(call.params[1], { settable: true });
        const version = optVersion(body.version);
        if (version === undefined) throw new MloError('INVALID', 'version: the candidate');
        getVersion(call.ctx.repo, name, version);
        const expected = parseExpected(body.expected_from);
        if (expected === undefined)
          throw new MloError(
            'INVALID',
            'expected_from: the holder the gates were measured against (null: none)',
          );
        if (typeof body.move !== 'boolean')
          throw new MloError('INVALID', 'move: whether the gates passed');
        const detail = body.detail;
        if (
          detail !== undefined &&
          (typeof detail !== 'object' || detail === null || Array.isArray(detail))
        ) {
          throw new MloError('INVALID', 'detail: an object');
        }
        const change = await recordPromotion(
          call.ctx.repo,
          {
            name,
            alias,
            version,
            expectedFrom: expected,
            move: body.move,
            gates: parseGateResults(body.gates),
            detail: detail as Record<string, unknown> | undefined,
          },
          actorOf(call),
        );
        return { json: change };
      },
    }),
    write({
      name: 'registry_tag',
      method: 'POST',
      path: new RegExp(`^/api/registry/models/${NAME}/tags$`),
      handle: async (call) => {
        const body = bodyOf(call);
        const target = {
          name: call.params[0],
          version: optVersion(body.version),
          who: call.identity.name,
        };
        if (typeof body.key !== 'string') throw new MloError('INVALID', 'key: the tag');
        if (body.remove === true)
          return { json: await removeRegistryTag(call.ctx.repo, target, body.key) };
        if (typeof body.value !== 'string') throw new MloError('INVALID', 'value: the tag value');
        return { json: await setRegistryTag(call.ctx.repo, target, body.key, body.value) };
      },
    }),
    write({
      name: 'registry_describe',
      method: 'POST',
      path: new RegExp(`^/api/registry/models/${NAME}/describe$`),
      handle: async (call) => {
        const body = bodyOf(call);
        if (typeof body.description !== 'string')
          throw new MloError('INVALID', 'description: text');
        const target = {
          name: call.params[0],
          version: optVersion(body.version),
          who: call.identity.name,
        };
        return { json: await describeRegistry(call.ctx.repo, target, body.description) };
      },
    }),
  ];
}
