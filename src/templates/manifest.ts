/**
 * A template is a folder of templates/ with a template.json: what it is, the names the
 * CI workflow needs, and the commands to run once it is written.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../util/schema.js';
import { MloError } from '../errors.js';

export const MANIFEST_FILE = 'template.json';
/** appended to the project's README.md rather than copied */
export const README_SECTION_FILE = 'README.section.md';

const nonEmpty = z.string().check(z.minLength(1));

const manifestSchema = z.strictObject({
  description: nonEmpty,
  /** env values of templates/github-actions.yml to fill in (MODEL, TARGET) */
  workflow: z.record(
    z.string().check(z.regex(/^[A-Z][A-Z0-9_]*$/)),
    // written into YAML unquoted, so plain-scalar characters only
    z.string().check(z.regex(/^[\w./@-]+$/)),
  ),
  commands: z.array(z.strictObject({ run: nonEmpty, why: nonEmpty })).check(z.minLength(1)),
});

export interface TemplateCommand {
  /** what the user types */
  run: string;
  /** what it does, in a few words */
  why: string;
}

export interface TemplateInfo {
  name: string;
  description: string;
  workflow: Record<string, string>;
  commands: TemplateCommand[];
  /** absolute path of the template's folder */
  dir: string;
}

/** Every template under `root`, by name. */
export function listTemplates(root: string): TemplateInfo[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, MANIFEST_FILE)))
    .map((e) => readManifest(root, e.name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function readManifest(root: string, name: string): TemplateInfo {
  const dir = join(root, name);
  const file = join(dir, MANIFEST_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MloError('INTERNAL', `${file}: not valid JSON (${(err as Error).message})`);
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MloError('INTERNAL', `${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return { name, dir, ...result.data };
}
