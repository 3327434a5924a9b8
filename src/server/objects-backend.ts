/**
 * Where a server store keeps its objects: DIR/objects (the default), or an S3 remote
 * recorded in DIR/config.yaml as `remotes.objects` and named by `core.remote`, with
 * the settings (and setting names) of a repository's S3 remote. Credentials never go
 * in the store: the server takes them from its environment (AWS_*, AWS_PROFILE, the
 * AWS credential chain).
 */
import { connectRemote, kindOf, parseRemoteSetting } from '../data/remote/index.js';
import { parseS3Url, S3Remote } from '../data/remote/s3.js';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { DirServerObjects, type ServerObjectStore } from './objects.js';
import { S3ServerObjects } from './objects-s3.js';

/** The name of the remote in a server store's config.yaml that holds its objects. */
export const OBJECTS_REMOTE = 'objects';

/** `mlo server init --objects URL` with its S3 settings (setting names as in docs/remotes.md). */
export interface ObjectsBackendSpec {
  url: string;
  settings?: Record<string, string>;
}

/** The flag each setting comes from, for errors that name what the user typed. */
const FLAG_OF: Record<string, string> = {
  endpoint: '--endpoint',
  region: '--region',
  profile: '--profile',
  path_style: '--path-style',
  sse: '--sse',
  sse_kms_key_id: '--sse-kms-key-id',
  jobs: '--jobs',
  access_key_id: '--access-key-id',
  secret_access_key: '--secret-access-key',
  session_token: '--session-token',
};

/**
 * Check a backend before anything is written: the URL is s3://bucket/prefix, each
 * setting is one an S3 remote takes, with a valid value, and none is a secret.
 * Returns the settings as config.yaml holds them.
 */
export function parseObjectsBackend(
  spec: ObjectsBackendSpec,
): Record<string, string | number | boolean> {
  if (kindOf(spec.url) !== 's3') {
    throw new MloError('USAGE', `--objects: "${spec.url}" is not s3://bucket/prefix`, {
      hint: 'without --objects the server keeps its objects in DIR/objects',
    });
  }
  try {
    parseS3Url(OBJECTS_REMOTE, spec.url);
  } catch (err) {
    throw relabel(err, '--objects', `remote "${OBJECTS_REMOTE}": `);
  }
  const out: Record<string, string | number | boolean> = { url: spec.url };
  for (const [key, value] of Object.entries(spec.settings ?? {})) {
    const flag = FLAG_OF[key] ?? key;
    if (key === 'access_key_id' || key === 'secret_access_key' || key === 'session_token') {
      throw new MloError(
        'USAGE',
        `${flag}: credentials are never written to the server store (its config.yaml)`,
        {
          hint: 'start `mlo server` with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_PROFILE, or an instance role) in its environment',
        },
      );
    }
    try {
      out[key] = parseRemoteSetting(OBJECTS_REMOTE, 's3', key, value, false);
    } catch (err) {
      throw relabel(err, flag, `remote "${OBJECTS_REMOTE}": `);
    }
  }
  return out;
}

function relabel(err: unknown, flag: string, prefix: string): unknown {
  if (!(err instanceof MloError)) return err;
  const rest = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
  return new MloError(err.code, `${flag}: ${rest}`, { hint: err.hint, cause: err });
}

/** The store's objects, by its config.yaml. */
export function openServerObjects(repo: Repo): ServerObjectStore {
  const name = repo.config.core?.remote;
  if (name === undefined) return new DirServerObjects(repo);
  const url = repo.config.remotes?.[name]?.url ?? '';
  if (kindOf(url) !== 's3') {
    throw new MloError(
      'INVALID',
      `${repo.configPath}: core.remote "${name}": a server keeps its objects in its own directory or in an s3:// remote`,
      { hint: `remove core.remote, or point it at an s3://bucket/prefix remote` },
    );
  }
  const { remote } = connectRemote(repo, name);
  if (!(remote instanceof S3Remote)) throw new Error('an s3:// URL opened another kind of remote');
  return new S3ServerObjects(remote, new DirServerObjects(repo));
}

/** What init and the start-up line print: s3://... or the objects directory. */
export function objectsLocation(repo: Repo): string {
  const name = repo.config.core?.remote;
  return (name !== undefined && repo.config.remotes?.[name]?.url) || `${repo.cacheDir}`;
}
