/**
 * Editing `.mlo/config.yaml` and `.mlo/config.local.yaml` in place (`mlo remote add`
 * and friends), keeping the user's comments and layout. Apart from config.ts so that
 * reading the config, which every command does, does not load the yaml package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { writeFileAtomic } from '../util/atomic.js';
import { parseYaml } from '../util/yaml-file.js';
import { CONFIG_TEMPLATE, localConfigSchema, repoConfigSchema, type RepoConfig } from './config.js';

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

/** As editRepoConfig, for .mlo/config.local.yaml (created owner-only: it may hold secrets). */
export function editLocalConfig(
  file: string,
  displayPath: string,
  edit: (doc: ReturnType<typeof parseDocument>) => void,
): void {
  const text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : "# this machine's settings and secrets for mlo; git-ignored, never commit it\n";
  const doc = parseDocument(text);
  edit(doc);
  const out = doc.toString();
  parseYaml(out, localConfigSchema, displayPath);
  writeFileAtomic(file, out, { mode: 0o600 });
}
