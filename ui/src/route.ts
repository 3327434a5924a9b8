/**
 * The view lives in the URL's hash (`#/runs?filter=...&sel=...`): a copied URL opens
 * the same view, and the UI works under any path a server mounts it at.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** path segments after '#/' (decoded) */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const path = q < 0 ? h : h.slice(0, q);
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { parts, query: new URLSearchParams(q < 0 ? '' : h.slice(q + 1)) };
}

export type QueryValues = Record<
  string,
  string | number | boolean | readonly string[] | null | undefined
>;

export function formatHash(parts: readonly string[], query: QueryValues = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) q.append(k, x);
    else q.set(k, String(v));
  }
  const qs = q.toString();
  return `#/${parts.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** Change the view; `replace` keeps the browser history from filling with keystrokes. */
export function navigate(parts: readonly string[], query: QueryValues = {}, replace = false): void {
  const hash = formatHash(parts, query);
  if (hash === location.hash) return;
  if (replace) {
    history.replaceState(null, '', hash);
    dispatchEvent(new HashChangeEvent('hashchange'));
  } else location.hash = hash;
}
