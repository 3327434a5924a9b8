/**
 * Remotes: choosing one by name, opening it by its URL's scheme, and editing its
 * settings (committed ones in .mlo/config.yaml, this machine's and secrets in
 * .mlo/config.local.yaml).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { MloError } from '../../errors.js';
import {
  editLocalConfig,
  editRepoConfig,
  LOCAL_CONFIG_FILE,
  SECRET_KEYS,
  SSE_MODES,
  type RemoteConfig,
  type Repo,
} from '../../repo/index.js';
import { DirectoryRemote } from './dir.js';
import { HttpRemote, TOKEN_ENV } from './http.js';
import { parseS3Url, S3Remote } from './s3.js';
import { remoteStateDir } from './state.js';
import type { Remote } from './types.js';

export type { Remote, RemoteObject, PutSource, TransferHooks } from './types.js';
export {
  pushObjects,
  fetchObjects,
  listRemote,
  deleteFromRemote,
  type WantedObject,
  type TransferStats,
  type PushStats,
  type FetchStats,
  type EngineOptions,
} from './engine.js';

/** A directory (or mounted share), an S3 bucket, or an mlo server (http/https). */
export type RemoteKind = 'dir' | 's3' | 'http';

export interface RemoteInfo {
  name: string;
  url: string;
  kind: RemoteKind;
  isDefault: boolean;
  /** settings other than the url; secrets show as "(set)" */
  settings: Record<string, string | number | boolean>;
}

/** Parallel transfers when neither --jobs nor the remote's `jobs` says: requests mostly wait on the network. */
const DEFAULT_JOBS: Record<RemoteKind, number> = { dir: 8, s3: 16, http: 8 };

export function kindOf(url: string): RemoteKind | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file') return 'dir';
  if (scheme === 's3') return 's3';
  if (scheme === 'http' || scheme === 'https') return 'http';
  return undefined;
}

export function listRemotes(repo: Repo): RemoteInfo[] {
  const def = defaultRemoteName(repo);
  return Object.entries(repo.config.remotes ?? {}).map(([name, r]) => ({
    name,
    url: r.url,
    kind: kindOf(r.url) ?? 'dir',
    isDefault: name === def,
    settings: publicSettings(r),
  }));
}

function publicSettings(conf: RemoteConfig): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(conf)) {
    if (k === 'url' || v === undefined) continue;
    out[k] = (SECRET_KEYS as readonly string[]).includes(k) ? '(set)' : v;
  }
  return out;
}

export function defaultRemoteName(repo: Repo): string | undefined {
  const remotes = repo.config.remotes ?? {};
  const named = repo.config.core?.remote;
  if (named !== undefined && named in remotes) return named;
  return undefined;
}

function remoteConfig(repo: Repo, name?: string): [string, RemoteConfig] {
  const remotes = repo.config.remotes ?? {};
  const chosen = name ?? defaultRemoteName(repo);
  if (chosen === undefined) {
    throw new MloError('USAGE', 'no remote given and no default remote configured', {
      hint: 'add one with `mlo remote add <name> <dir, s3://bucket/prefix or http(s)://server>`',
    });
  }
  const conf = remotes[chosen];
  if (!conf) {
    throw new MloError('NOT_FOUND', `no remote named "${chosen}"`, {
      hint: Object.keys(remotes).length
        ? `known remotes: ${Object.keys(remotes).join(', ')}`
        : 'add one with `mlo remote add <name> <dir, s3://bucket/prefix or http(s)://server>`',
    });
  }
  return [chosen, conf];
}

export interface OpenedRemote {
  remote: Remote;
  /** .mlo/remotes/<name>-<url id>: the remembered index and transfer journals */
  stateDir: string;
  jobs: number;
}

/** Open a remote for transfers; `jobs` defaults to the remote's setting, then its kind's default. */
export function connectRemote(
  repo: Repo,
  name?: string,
  options: { jobs?: number } = {},
): OpenedRemote {
  const [chosen, conf] = remoteConfig(repo, name);
  const kind = checkUrl(chosen, conf.url);
  const jobs = options.jobs ?? conf.jobs ?? DEFAULT_JOBS[kind];
  const stateDir = remoteStateDir(repo.dotDir, chosen, conf.url);
  if (kind === 's3') {
    const remote = new S3Remote(chosen, conf, { jobs, stateDir, tmpDir: repo.tmpDir });
    return { remote, stateDir, jobs };
  }
  if (kind === 'http') {
    // an mlo server; the token: $MLO_TOKEN, else the remote's own (local) setting
    const token = process.env[TOKEN_ENV]?.trim() || conf.token;
    const remote = new HttpRemote({ name: chosen, url: conf.url.replace(/\/+$/, ''), token });
    return { remote, stateDir, jobs };
  }
  const path = /^file:\/\//i.test(conf.url) ? new URL(conf.url).pathname : conf.url;
  const remote = new DirectoryRemote(
    chosen,
    conf.url,
    isAbsolute(path) ? path : resolve(repo.root, path),
  );
  return { remote, stateDir, jobs };
}

export function openRemote(repo: Repo, name?: string): Remote {
  return connectRemote(repo, name).remote;
}

function checkUrl(name: string, url: string): RemoteKind {
  const kind = kindOf(url);
  if (kind === undefined) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
    throw new MloError('USAGE', `remote "${name}": unsupported URL scheme "${scheme}://"`, {
      hint: 'give a directory path (a mounted share works too), s3://bucket/prefix or an mlo server http(s)://host:port',
    });
  }
  if (kind === 's3') parseS3Url(name, url);
  return kind;
}

export interface AddRemoteOptions {
  /** make it the default even when another default exists */
  makeDefault?: boolean;
  /** write it to .mlo/config.local.yaml (this machine only) */
  local?: boolean;
  /** settings to write with it (`mlo remote add --endpoint ... --region ...`) */
  settings?: Record<string, string>;
}

/** Add a remote; the first one becomes the default. */
export function addRemote(
  repo: Repo,
  name: string,
  url: string,
  options: AddRemoteOptions = {},
): RemoteInfo {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new MloError('USAGE', `remote name "${name}": use letters, digits, '.', '_' and '-'`);
  }
  if ((repo.config.remotes ?? {})[name]) {
    throw new MloError(
      'USAGE',
      `remote "${name}" already exists (${repo.config.remotes![name].url})`,
      {
        hint: `remove it first with \`mlo remote remove ${name}\``,
      },
    );
  }
  const kind = checkUrl(name, url);
  const settings = Object.entries(options.settings ?? {}).map(
    ([k, v]) => [k, parseRemoteSetting(name, kind, k, v, options.local ?? false)] as const,
  );
  const makeDefault = options.makeDefault || defaultRemoteName(repo) === undefined;
  editConfig(repo, options.local ?? false, (doc) => {
    doc.setIn(['remotes', name, 'url'], url);
    for (const [k, v] of settings) doc.setIn(['remotes', name, k], v);
    if (makeDefault) doc.setIn(['core', 'remote'], name);
  });
  repo.reloadConfig();
  return listRemotes(repo).find((r) => r.name === name)!;
}

const S3_KEYS = [
  'endpoint',
  'region',
  'profile',
  'path_style',
  'sse',
  'sse_kms_key_id',
  'access_key_id',
  'secret_access_key',
  'session_token',
] as const;
const COMMON_KEYS = ['url', 'jobs'] as const;
/** A server remote's bearer token (a secret: --local only); $MLO_TOKEN wins over it. */
const HTTP_KEYS = ['token'] as const;

/** The settings a remote of this kind takes (docs/remotes.md describes each). */
export function settingKeys(kind: RemoteKind): readonly string[] {
  if (kind === 's3') return [...COMMON_KEYS, ...S3_KEYS];
  if (kind === 'http') return [...COMMON_KEYS, ...HTTP_KEYS];
  return COMMON_KEYS;
}

/**
 * One setting of a remote, checked and typed as config.yaml holds it (the server's
 * --objects backend checks its flags here too).
 */
export function parseRemoteSetting(
  remote: string,
  kind: RemoteKind,
  key: string,
  value: string,
  local: boolean,
): string | number | boolean {
  const where = `remote "${remote}"`;
  if (!settingKeys(kind).includes(key)) {
    throw new MloError('USAGE', `${where}: unknown setting "${key}" for a ${kind} remote`, {
      hint: `settings: ${settingKeys(kind).join(', ')}`,
    });
  }
  if ((SECRET_KEYS as readonly string[]).includes(key) && !local) {
    throw new MloError(
      'USAGE',
      `${where}: ${key} is a secret and never goes in the git-tracked .mlo/config.yaml`,
      {
        hint: `add --local to keep it in .mlo/${LOCAL_CONFIG_FILE} (git-ignored), or use ${key === 'token' ? `$${TOKEN_ENV}` : 'the AWS_* environment variables'}`,
      },
    );
  }
  if (key === 'path_style') {
    if (!['true', 'false'].includes(value))
      throw new MloError('USAGE', `${where}: path_style is true or false, got "${value}"`);
    return value === 'true';
  }
  if (key === 'jobs') {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new MloError('USAGE', `${where}: jobs is a positive integer, got "${value}"`);
    return n;
  }
  if (key === 'sse' && !(SSE_MODES as readonly string[]).includes(value)) {
    throw new MloError('USAGE', `${where}: sse is one of ${SSE_MODES.join(', ')}`);
  }
  if (key === 'endpoint' && !/^https?:\/\/\S+$/.test(value)) {
    throw new MloError('USAGE', `${where}: endpoint is an http(s):// URL, got "${value}"`);
  }
  if (key === 'url') checkUrl(remote, value);
  return value;
}

export interface ModifyRemoteOptions {
  local?: boolean;
  unset?: boolean;
}

/** Set (or unset) one setting of a remote: `mlo remote modify NAME KEY VALUE`. */
export function modifyRemote(
  repo: Repo,
  name: string,
  key: string,
  value: string | undefined,
  options: ModifyRemoteOptions = {},
): RemoteInfo {
  const [, conf] = remoteConfig(repo, name);
  const kind = checkUrl(name, conf.url);
  const local = options.local ?? false;
  if (options.unset) {
    if (!settingKeys(kind).includes(key) || key === 'url') {
      throw new MloError('USAGE', `remote "${name}": cannot unset "${key}"`);
    }
    editConfig(repo, local, (doc) => {
      if (doc.hasIn(['remotes', name])) doc.deleteIn(['remotes', name, key]);
    });
  } else {
    if (value === undefined) throw new MloError('USAGE', `remote modify ${name} ${key}: no value`);
    const parsed = parseRemoteSetting(name, kind, key, value, local);
    editConfig(repo, local, (doc) => doc.setIn(['remotes', name, key], parsed));
  }
  repo.reloadConfig();
  return listRemotes(repo).find((r) => r.name === name)!;
}

function editConfig(repo: Repo, local: boolean, edit: Parameters<typeof editRepoConfig>[2]): void {
  if (local)
    editLocalConfig(join(repo.dotDir, LOCAL_CONFIG_FILE), `.mlo/${LOCAL_CONFIG_FILE}`, edit);
  else editRepoConfig(repo.configPath, '.mlo/config.yaml', edit);
}

export function removeRemote(repo: Repo, name: string): void {
  if (!(repo.config.remotes ?? {})[name])
    throw new MloError('NOT_FOUND', `no remote named "${name}"`);
  const hasLocal = existsSync(join(repo.dotDir, LOCAL_CONFIG_FILE));
  for (const local of hasLocal ? [false, true] : [false]) {
    editConfig(repo, local, (doc) => {
      doc.deleteIn(['remotes', name]);
      if (doc.getIn(['core', 'remote']) === name) doc.deleteIn(['core', 'remote']);
    });
  }
  repo.reloadConfig();
}

export function setDefaultRemote(
  repo: Repo,
  name: string,
  options: { local?: boolean } = {},
): void {
  if (!(repo.config.remotes ?? {})[name])
    throw new MloError('NOT_FOUND', `no remote named "${name}"`);
  editConfig(repo, options.local ?? false, (doc) => doc.setIn(['core', 'remote'], name));
  repo.reloadConfig();
}
