/**
 * The team settings of mlo.yaml (other sections belong to other capabilities):
 *
 *     registry: team          # model commands act on the server remote "team"
 *     tracking:
 *       push: team            # runs are pushed to "team" as they finish
 */
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../util/schema.js';
import { parseYaml, readTextFile } from '../util/yaml-file.js';

const PROJECT_FILE = 'mlo.yaml';
const remoteName = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a remote name'));

const fileSchema = z.looseObject({
  registry: z.optional(z.nullable(remoteName)),
  tracking: z.optional(z.nullable(z.strictObject({ push: z.optional(z.nullable(remoteName)) }))),
});

export interface TeamConfig {
  /** the server remote holding the registry of record, if any */
  registry?: string;
  /** the server remote runs are pushed to when they finish, if any */
  pushRunsTo?: string;
}

export function loadTeamConfig(root: string): TeamConfig {
  // a directory, a link loop or an unreadable file is the user's to fix: exit 2, named
  const text = readTextFile(join(root, PROJECT_FILE), PROJECT_FILE);
  return text === undefined ? {} : parseTeamConfig(text, PROJECT_FILE);
}

export function parseTeamConfig(text: string, displayPath = PROJECT_FILE): TeamConfig {
  const doc = parseYaml(text, fileSchema, displayPath);
  return {
    registry: doc.registry ?? undefined,
    pushRunsTo: doc.tracking?.push ?? undefined,
  };
}
