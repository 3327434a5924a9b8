/**
 * The built front end (dist/ui) as static files: only files below that directory,
 * with their content types, the app's Content-Security-Policy (nothing from another
 * origin, no inline script), and long caching for the content-hashed assets.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UiResponse } from './types.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** dist/ui beside the bundle, or (running from the sources) the package's dist/ui. */
export function defaultStaticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'ui');
  if (existsSync(join(beside, 'index.html'))) return beside;
  let dir = here;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'ui');
    dir = dirname(dir);
  }
  return beside;
}

/** The file for a request path, or null when it is not one of the static files. */
export function staticFile(root: string, path: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(path);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(rel)) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = resolve(root);
  const full = resolve(base, `.${rel}`);
  if (full !== base && !full.startsWith(base + sep)) return null;
  const st = statSync(full, { throwIfNoEntry: false });
  return st?.isFile() ? full : null;
}

export function serveStatic(root: string, path: string): UiResponse | null {
  const file = staticFile(root, path);
  if (!file) return null;
  const ext = extname(file);
  const hashed =
    /[-.][A-Za-z0-9_-]{8,}\.(js|css)$/.test(file) && file.includes(`${sep}assets${sep}`);
  const headers: Record<string, string> = {
    'content-type': TYPES[ext] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    'referrer-policy': 'no-referrer',
  };
  if (ext === '.html') {
    headers['content-security-policy'] = APP_CSP;
    headers['x-frame-options'] = 'DENY';
  }
  return { status: 200, headers, body: readFileSync(file) };
}
