/**
 * Online stores: SQLite under .mlo/ by default, Redis when `features.online_store`
 * says so. Redis is loaded only when used.
 */
import { join } from 'node:path';
import { MloError } from '../../errors.js';
import type { Repo } from '../../repo/index.js';
import type { OnlineStoreDef } from '../definitions.js';
import { SqliteOnlineStore } from './sqlite.js';
import type { OnlineStore } from './types.js';

export type { OnlineStore, OnlineKey, OnlineRecord, OnlineRows } from './types.js';
export { SqliteOnlineStore } from './sqlite.js';

/** The SQLite online store's file. */
export const onlineDbPath = (repo: Repo): string => join(repo.dotDir, 'features', 'online.db');

export interface OpenOnlineOptions {
  /** a redis URL that wins over the definitions (`--online-store redis://...`) */
  url?: string;
}

export async function openOnlineStore(
  repo: Repo,
  def: OnlineStoreDef,
  options: OpenOnlineOptions = {},
): Promise<OnlineStore> {
  if (options.url !== undefined) {
    if (!/^rediss?:\/\//.test(options.url) && !options.url.startsWith('unix:')) {
      throw new MloError('USAGE', `--online-store ${options.url}: expected a redis:// URL`);
    }
    const { RedisOnlineStore } = await import('./redis.js');
    return RedisOnlineStore.open(options.url, def.type === 'redis' ? def.prefix : 'mlo:');
  }
  if (def.type === 'sqlite') return new SqliteOnlineStore(onlineDbPath(repo));
  const fromEnv = def.urlEnv !== undefined ? process.env[def.urlEnv] : undefined;
  if (!fromEnv && def.url !== undefined && !isLoopbackRedis(def.url)) {
    // mlo.yaml is committed, so a pull request could point the store at any host and
    // have materialize send it the data: a remote server comes from the environment.
    throw new MloError('USAGE', `features.online_store.url: ${def.url} is not on this machine`, {
      hint: 'name a remote redis through url_env (an environment variable) or --online-store',
    });
  }
  const url = fromEnv || def.url;
  if (!url) {
    throw new MloError(
      'USAGE',
      `the redis online store needs its URL: $${def.urlEnv ?? ''} is not set`,
      {
        hint: `export ${def.urlEnv ?? 'MLO_REDIS_URL'}=redis://host:6379/0`,
      },
    );
  }
  const { RedisOnlineStore } = await import('./redis.js');
  return RedisOnlineStore.open(url, def.prefix);
}

/** redis on 127.0.0.1, ::1, localhost or a unix socket. */
export function isLoopbackRedis(url: string): boolean {
  if (url.startsWith('unix:')) return true;
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
