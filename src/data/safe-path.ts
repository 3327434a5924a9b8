/**
 * Which repo-relative paths mlo may write. Paths come from committed files (pointer
 * files, directory manifests fetched from a shared remote, mlo.lock), which are
 * untrusted: whatever they say, a write never names the repository root, never
 * leaves the repository, and never lands in `.git` or `.mlo`.
 */

/** Folder names mlo never writes into, wherever they appear (compared case-insensitively). */
const FORBIDDEN = new Set(['.git', '.mlo']);

// eslint-disable-next-line no-control-regex -- control characters are what we look for
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface PathRules {
  /**
   * Allow control characters (newlines, escapes) in names. Files inside a tracked
   * directory may have any name; a tracked path itself is written to .gitignore,
   * which cannot express a newline, and is printed in messages.
   */
  allowControl?: boolean;
}

/**
 * Why mlo must not write `rel` (repo-relative, forward slashes), or undefined when
 * it may. Names are checked one by one: no empty, `.` or `..` component, no
 * absolute path, no `.git`/`.mlo` folder (case-insensitively: on macOS `.GIT` is
 * `.git`), no NUL.
 */
export function unsafePathReason(rel: string, rules: PathRules = {}): string | undefined {
  if (rel === '' || rel === '.') return 'is the repository root';
  if (rel.startsWith('/')) return 'is an absolute path';
  if (rel.includes('\0')) return 'contains a NUL character';
  if (!rules.allowControl && CONTROL.test(rel))
    return 'contains a control character (a newline, tab or escape)';
  let start = 0;
  for (;;) {
    const end = rel.indexOf('/', start);
    const part = end < 0 ? rel.slice(start) : rel.slice(start, end);
    if (part === '' || part === '.') return 'has an empty or "." component';
    if (part === '..') return 'has a ".." component (it would leave the repository)';
    if (part.length <= 4 && FORBIDDEN.has(part.toLowerCase()))
      return `is inside ${part}/, which mlo never writes into`;
    if (end < 0) return undefined;
    start = end + 1;
  }
}

/** JSON-style quoting for names in messages: a newline or escape shows as \n, \u001b. */
export function quoteName(name: string): string {
  return CONTROL.test(name) || /\s$|^\s/.test(name) ? JSON.stringify(name) : name;
}
