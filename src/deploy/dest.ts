/**
 * Where deploy commands write: checked before anything is written, like `mlo model
 * export`. A destination's parent must exist; nothing goes inside `.git` or `.mlo`
 * (wherever links lead); what is already there is replaced only with `force`, and only
 * when it is what the command writes (a bundle, a build context, a manifest directory),
 * or an empty directory.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MloError } from '../errors.js';
import { isNotFound, lstatOrNull } from '../util/fs.js';

const PROTECTED = new Set(['.git', '.mlo']);

export interface Destination {
  /** absolute, through the real parent directory */
  real: string;
  /** as the user wrote it (relative to cwd when inside it) */
  shown: string;
  /** something is there now (to be replaced) */
  existing: boolean;
}

export interface DestinationRules {
  /** what is written: "the bundle", "the build context" */
  what: string;
  /** a file (an archive) rather than a directory */
  file?: boolean;
  force?: boolean;
  /** the existing directory is one this command wrote (so --force may replace it) */
  ours?: (real: string) => boolean;
  /** what `ours` looks for, for the message */
  kind: string;
}

function isEmptyDir(path: string): boolean {
  try {
    return readdirSync(path).length === 0;
  } catch {
    return false;
  }
}

export function checkDestination(cwd: string, dest: string, rules: DestinationRules): Destination {
  const path = resolve(cwd, dest);
  const rel = relative(cwd, path);
  const shown = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  const what = `cannot write ${rules.what} ${shown}`;
  let parent: string;
  try {
    parent = realpathSync(dirname(path));
  } catch (err) {
    if (isNotFound(err)) {
      throw new MloError('USAGE', `${what}: ${dirname(shown)}: no such directory`, {
        hint: 'create the directory first',
      });
    }
    throw err;
  }
  const real = join(parent, basename(path));
  const guarded = real.split(sep).find((p) => PROTECTED.has(p));
  if (guarded !== undefined) {
    throw new MloError('USAGE', `${what}: it is inside ${guarded}`, {
      hint: 'write it somewhere else',
    });
  }
  const st = lstatOrNull(real);
  if (st === null) return { real, shown, existing: false };
  const empty = !rules.file && st.isDirectory() && isEmptyDir(real);
  const fits = rules.file
    ? st.isFile()
    : empty || (st.isDirectory() && rules.ours?.(real) === true);
  if (!fits) {
    throw new MloError('USAGE', `${what}: ${shown} exists and is not ${rules.kind}`, {
      hint: 'choose a new path',
    });
  }
  if (!rules.force && !empty) {
    throw new MloError('CONFLICT', `${shown} already exists`, {
      hint: 'pass --force to replace it, or choose another path',
    });
  }
  return { real, shown, existing: true };
}
