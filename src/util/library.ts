/**
 * Where the running mlo's library bundle lives, so programs mlo starts (stages,
 * `mlo exec` commands, the examples' training scripts) can import it with
 * `await import(process.env.MLO_LIB ?? 'mlo')` without installing mlo themselves.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function libraryEntry(): string | undefined {
  // dist/ is flat: every bundle and chunk sits beside index.js.
  const path = fileURLToPath(new URL('./index.js', import.meta.url));
  return existsSync(path) ? path : undefined;
}
