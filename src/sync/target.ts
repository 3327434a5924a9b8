/** Which server a command talks to: a remote of the repository, or a URL given directly. */
import { createHash } from 'node:crypto';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import type { ServerTarget } from './client.js';

import { TOKEN_ENV } from '../data/remote/http.js';

export { TOKEN_ENV };

export function isServerUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

function normalise(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A server named by URL (`mlo serve --from https://host:5000`), the token from the environment. */
export function targetFromUrl(url: string, token = process.env[TOKEN_ENV]): ServerTarget {
  if (!isServerUrl(url)) throw new MloError('USAGE', `${url}: not an http(s):// URL`);
  return { name: normalise(url), url: normalise(url), token: token?.trim() || undefined };
}

/** The names of the repository's remotes that are servers. */
export function serverRemoteNames(repo: Repo): string[] {
  return Object.entries(repo.config.remotes ?? {})
    .filter(([, r]) => isServerUrl(r.url))
    .map(([name]) => name);
}

/**
 * The server remote `name` (default: the default remote, when it is a server). The
 * token: $MLO_TOKEN, else the remote's `token` in .mlo/config.local.yaml.
 */
export function serverTarget(repo: Repo, name?: string): ServerTarget {
  const remotes = repo.config.remotes ?? {};
  const chosen = name ?? repo.config.core?.remote;
  if (chosen === undefined) {
    throw new MloError('USAGE', 'no remote given and no default remote configured', {
      hint: 'add the team server with `mlo remote add team http://host:5000`',
    });
  }
  const conf = remotes[chosen];
  if (!conf) {
    throw new MloError('NOT_FOUND', `no remote named "${chosen}"`, {
      hint: Object.keys(remotes).length
        ? `known remotes: ${Object.keys(remotes).join(', ')}`
        : 'add the team server with `mlo remote add team http://host:5000`',
    });
  }
  if (!isServerUrl(conf.url)) {
    throw new MloError('USAGE', `remote "${chosen}" (${conf.url}) is not an mlo server`, {
      hint: 'records travel to an http(s):// server remote; a directory or S3 remote holds objects only',
    });
  }
  const fromConfig = conf.token;
  const token = process.env[TOKEN_ENV]?.trim() || fromConfig;
  return { name: chosen, url: normalise(conf.url), token: token || undefined };
}

/** Where this store keeps its cursors for a server: by name and URL, so a new URL starts afresh. */
export function stateScope(target: ServerTarget): string {
  const id = createHash('sha256').update(target.url).digest('hex').slice(0, 12);
  return `server:${target.name}:${id}`;
}
