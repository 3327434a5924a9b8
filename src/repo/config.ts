/**
 * `.mlo/config.yaml`: repository settings that travel with git, overlaid by the
 * git-ignored `.mlo/config.local.yaml` (this machine's settings and secrets).
 */
import { dirname, join } from 'node:path';
import * as z from 'zod/mini';
import '../util/schema.js';
import { parseConfigYaml } from '../util/config-yaml.js';
import { readTextFile } from '../util/yaml-readers.js';
import { MloError } from '../errors.js';

export const LINK_TYPES = ['reflink', 'copy', 'hardlink', 'symlink'] as const;
export type LinkType = (typeof LINK_TYPES)[number];

export const LOCAL_CONFIG_FILE = 'config.local.yaml';

export const SSE_MODES = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;

/** Settings of a remote that may be committed (docs/remotes.md describes each). */
const remoteSettings = {
  /** S3: the service's URL, for MinIO, R2, GCS or any S3-compatible store */
  endpoint: z.optional(z.string().check(z.regex(/^https?:\/\/\S+$/, 'expected an http(s):// URL'))),
  region: z.optional(z.string().check(z.minLength(1))),
  /** S3: a profile of the shared AWS config and credentials files */
  profile: z.optional(z.string().check(z.minLength(1))),
  /** S3: address buckets as endpoint/bucket/key instead of bucket.endpoint/key */
  path_style: z.optional(z.boolean()),
  /** S3: server-side encryption of uploaded objects */
  sse: z.optional(z.enum(SSE_MODES)),
  sse_kms_key_id: z.optional(z.string().check(z.minLength(1))),
  /** default parallel transfers for this remote */
  jobs: z.optional(z.int().check(z.positive())),
};

/** Keys that hold secrets: only the environment or config.local.yaml may carry them. */
export const SECRET_KEYS = [
  'access_key_id',
  'secret_access_key',
  'session_token',
  'token',
] as const;

const notHere = z.optional(
  z.never({
    error: `a secret never goes in the git-tracked .mlo/config.yaml: use \`mlo remote modify --local\` (.mlo/${LOCAL_CONFIG_FILE}) or the environment (AWS_*, MLO_TOKEN)`,
  }),
);

const remoteSchema = z.strictObject({
  /** a directory path (relative paths are relative to the repo root) or s3://bucket/prefix */
  url: z.string().check(z.minLength(1)),
  ...remoteSettings,
  access_key_id: notHere,
  secret_access_key: notHere,
  session_token: notHere,
  /** a server remote's bearer token */
  token: notHere,
});

const localRemoteSchema = z.strictObject({
  url: z.optional(z.string().check(z.minLength(1))),
  ...remoteSettings,
  access_key_id: z.optional(z.string().check(z.minLength(1))),
  secret_access_key: z.optional(z.string().check(z.minLength(1))),
  session_token: z.optional(z.string().check(z.minLength(1))),
  token: z.optional(z.string().check(z.minLength(1))),
});

/** One remote as commands see it: the tracked settings overlaid by the local ones. */
export type RemoteConfig = z.infer<typeof localRemoteSchema> & { url: string };

export const repoConfigSchema = z.strictObject({
  core: z.optional(
    z.strictObject({
      /** name of the default remote */
      remote: z.optional(z.string()),
      /**
       * fsync every object \`mlo add\` writes. Off by default: the workspace file is the
       * durable original, and add re-caches an object a power loss truncated.
       */
      fsync: z.optional(z.boolean()),
    }),
  ),
  cache: z.optional(
    z.strictObject({
      link: z.optional(z.enum(LINK_TYPES)),
    }),
  ),
  remotes: z.optional(z.record(z.string(), remoteSchema)),
});

export const localConfigSchema = z.strictObject({
  core: z.optional(z.strictObject({ remote: z.optional(z.string()) })),
  remotes: z.optional(z.record(z.string(), localRemoteSchema)),
});

export type RepoConfig = Omit<z.infer<typeof repoConfigSchema>, 'remotes'> & {
  remotes?: Record<string, RemoteConfig>;
};

export const CONFIG_TEMPLATE = `# mlo repository settings. Commit this file; everything else in .mlo/ stays local.
cache:
  # how checkout puts data in the workspace: reflink (copy-on-write, falls back to
  # copy), copy, hardlink or symlink. hardlink/symlink save space but make the
  # workspace files read-only links into the cache.
  link: reflink
`;

/** The tracked config with the local one (beside it) laid over it. */
export function readRepoConfig(file: string, displayPath: string): RepoConfig {
  const text = readTextFile(file, displayPath);
  const tracked: RepoConfig =
    text === undefined ? {} : parseConfigYaml(text, repoConfigSchema, displayPath);
  const localFile = join(dirname(file), LOCAL_CONFIG_FILE);
  const localDisplay = join(dirname(displayPath), LOCAL_CONFIG_FILE);
  const localText = readTextFile(localFile, localDisplay);
  if (localText === undefined) return tracked;
  const local = parseConfigYaml(localText, localConfigSchema, localDisplay);
  const remotes: Record<string, RemoteConfig> = { ...tracked.remotes };
  for (const [name, over] of Object.entries(local.remotes ?? {})) {
    const url = over.url ?? remotes[name]?.url;
    if (url === undefined) {
      throw new MloError('INVALID', `${localDisplay}: remotes.${name}: no url`, {
        hint: `a remote only in ${LOCAL_CONFIG_FILE} needs its url there; one in config.yaml needs the same name`,
      });
    }
    remotes[name] = { ...remotes[name], ...over, url };
  }
  const remote = local.core?.remote ?? tracked.core?.remote;
  return {
    ...tracked,
    core: remote === undefined ? tracked.core : { ...tracked.core, remote },
    remotes,
  };
}
