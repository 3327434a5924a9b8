/** `.mlo/config.yaml`: repository settings that travel with git. */
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import * as z from 'zod/mini';
import '../util/schema.js';
import { parseYaml, readTextFile } from '../util/yaml-file.js';
import { writeFileAtomic } from '../util/atomic.js';

export const LINK_TYPES = ['reflink', 'copy', 'hardlink', 'symlink'] as const;
export type LinkType = (typeof LINK_TYPES)[number];

const remoteSchema = z.strictObject({
  /** a directory path (relative paths are relative to the repo root) or, later, s3://... */
  url: z.string().check(z.minLength(1)),
});

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

export type RepoConfig = z.infer<typeof repoConfigSchema>;

export const CONFIG_TEMPLATE = `# mlo repository settings. Commit this file; everything else in .mlo/ stays local.
cache:
  # how checkout puts data in the workspace: reflink (copy-on-write, falls back to
  # copy), copy, hardlink or symlink. hardlink/symlink save space but make the
  # workspace files read-only links into the cache.
  link: reflink
`;

export function readRepoConfig(file: string, displayPath: string): RepoConfig {
  const text = readTextFile(file, displayPath);
  return text === undefined ? {} : parseYaml(text, repoConfigSchema, displayPath);
}

/**
 * Edit the config file in place, keeping the user's comments and layout:
 * `edit` receives the parsed document and mutates it.
 */
export function editRepoConfig(
  file: string,
  displayPath: string,
  edit: (doc: ReturnType<typeof parseDocument>) => void,
): RepoConfig {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : CONFIG_TEMPLATE;
  const doc = parseDocument(text);
  edit(doc);
  const out = doc.toString();
  // Validate what we are about to write, so a bad edit never reaches disk.
  const parsed = parseYaml(out, repoConfigSchema, displayPath);
  writeFileAtomic(file, out);
  return parsed;
}
