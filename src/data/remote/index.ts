/** Choosing and configuring remotes. */
import { isAbsolute, resolve } from 'node:path';
import { MloError } from '../../errors.js';
import { editRepoConfig, type Repo } from '../../repo/index.js';
import { DirectoryRemote } from './dir.js';
import { HttpRemote } from './http.js';
import type { Remote } from './types.js';

export type { Remote } from './types.js';

export interface RemoteInfo {
  name: string;
  url: string;
  isDefault: boolean;
}

export function listRemotes(repo: Repo): RemoteInfo[] {
  const def = defaultRemoteName(repo);
  return Object.entries(repo.config.remotes ?? {}).map(([name, r]) => ({
    name,
    url: r.url,
    isDefault: name === def,
  }));
}

export function defaultRemoteName(repo: Repo): string | undefined {
  const remotes = repo.config.remotes ?? {};
  const named = repo.config.core?.remote;
  if (named !== undefined && named in remotes) return named;
  return undefined;
}

export function openRemote(repo: Repo, name?: string): Remote {
  const remotes = repo.config.remotes ?? {};
  const chosen = name ?? defaultRemoteName(repo);
  if (chosen === undefined) {
    throw new MloError('USAGE', 'no remote given and no default remote configured', {
      hint: 'add one with `mlo remote add <name> <dir>`',
    });
  }
  const conf = remotes[chosen];
  if (!conf) {
    throw new MloError('NOT_FOUND', `no remote named "${chosen}"`, {
      hint: Object.keys(remotes).length
        ? `known remotes: ${Object.keys(remotes).join(', ')}`
        : 'add one with `mlo remote add <name> <dir>`',
    });
  }
  return remoteFromUrl(repo, chosen, conf.url, (conf as { token?: string }).token);
}

function remoteFromUrl(repo: Repo, name: string, url: string, token?: string): Remote {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    // an mlo server; the token: $MLO_TOKEN, else the remote's own setting
    const t = process.env.MLO_TOKEN?.trim() || token;
    return new HttpRemote({ name, url: url.replace(/\/+$/, ''), token: t || undefined });
  }
  if (scheme === undefined || scheme === 'file') {
    const path = scheme === 'file' ? new URL(url).pathname : url;
    return new DirectoryRemote(name, url, isAbsolute(path) ? path : resolve(repo.root, path));
  }
  throw new MloError('USAGE', `remote "${name}": unsupported URL scheme "${scheme}://"`, {
    hint: 'give a directory path (a mounted network share works too) or an mlo server http(s)://host:port',
  });
}

export interface AddRemoteOptions {
  /** make it the default even when another default exists */
  makeDefault?: boolean;
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
  remoteFromUrl(repo, name, url); // validates the scheme
  const makeDefault = options.makeDefault || defaultRemoteName(repo) === undefined;
  editRepoConfig(repo.configPath, '.mlo/config.yaml', (doc) => {
    doc.setIn(['remotes', name, 'url'], url);
    if (makeDefault) doc.setIn(['core', 'remote'], name);
  });
  repo.reloadConfig();
  return { name, url, isDefault: makeDefault };
}

export function removeRemote(repo: Repo, name: string): void {
  if (!(repo.config.remotes ?? {})[name])
    throw new MloError('NOT_FOUND', `no remote named "${name}"`);
  editRepoConfig(repo.configPath, '.mlo/config.yaml', (doc) => {
    doc.deleteIn(['remotes', name]);
    if (doc.getIn(['core', 'remote']) === name) doc.deleteIn(['core', 'remote']);
  });
  repo.reloadConfig();
}

export function setDefaultRemote(repo: Repo, name: string): void {
  if (!(repo.config.remotes ?? {})[name])
    throw new MloError('NOT_FOUND', `no remote named "${name}"`);
  editRepoConfig(repo.configPath, '.mlo/config.yaml', (doc) => doc.setIn(['core', 'remote'], name));
  repo.reloadConfig();
}
