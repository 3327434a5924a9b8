/**
 * Where the templates/ folder that ships with mlo lives. From the bundle (dist/ is
 * flat) it is ../templates; from the sources (src/templates/) ../../templates.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MloError } from '../errors.js';

const CANDIDATES = ['../templates/', '../../templates/'];

/** A folder is the templates folder when it has the shared files and the workflow. */
function looksLikeTemplates(dir: string): boolean {
  return existsSync(join(dir, 'common')) && existsSync(join(dir, 'github-actions.yml'));
}

export function templatesRoot(): string {
  for (const rel of CANDIDATES) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (looksLikeTemplates(dir)) return dir;
  }
  throw new MloError('INTERNAL', 'the templates folder of the mlo package was not found', {
    hint: 'reinstall mlo: its package ships templates/ beside dist/',
  });
}
