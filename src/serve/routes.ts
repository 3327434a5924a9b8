/**
 * The server's routes as metric labels. A label value must come from a fixed set:
 * the raw path of a request is chosen by the client, and one Prometheus series per
 * distinct path let unauthenticated requests grow the server's memory without bound
 * (and /metrics with it). So every request, whatever its status, is labelled with its
 * route's template, or `unmatched`.
 */

/** POST labels for logged predictions (mlo serve --log-predictions) */
export const FEEDBACK_PATH = '/feedback';

/** Paths answered as they are. */
const FIXED = new Set([
  FEEDBACK_PATH,
  '/',
  '/predict',
  '/invocations',
  '/ping',
  '/health',
  '/version',
  '/metrics',
  '/v2',
  '/v2/health/live',
  '/v2/health/ready',
  '/get-online-features',
]);

/** Label of a request that matched no route (or a malformed one). */
export const UNMATCHED = 'unmatched';

const V2_ACTIONS = new Set(['', 'ready', 'infer']);

/** A parsed `/v2/models/NAME[/versions/V][/ready|/infer]`. */
export interface V2ModelPath {
  name: string;
  version: number | undefined;
  action: '' | 'ready' | 'infer';
  template: string;
}

/** The parts of a V2 model path, or null when the path is not one. */
export function parseV2ModelPath(path: string): V2ModelPath | null {
  if (!path.startsWith('/v2/models/')) return null;
  const parts = path.split('/').slice(3);
  let name: string;
  try {
    name = decodeURIComponent(parts[0] ?? '');
  } catch {
    return null;
  }
  if (name === '') return null;
  let version: number | undefined;
  let rest = parts.slice(1);
  if (rest[0] === 'versions') {
    version = Number(rest[1]);
    if (rest[1] === undefined || rest[1] === '' || !Number.isInteger(version)) return null;
    rest = rest.slice(2);
  }
  const action = rest.join('/');
  if (!V2_ACTIONS.has(action)) return null;
  const template = `/v2/models/:name${version === undefined ? '' : '/versions/:v'}${action ? `/${action}` : ''}`;
  return { name, version, action: action as V2ModelPath['action'], template };
}

/** The label of a request path: one of a fixed, small set of strings. */
export function routeLabel(path: string): string {
  if (FIXED.has(path)) return path;
  return parseV2ModelPath(path)?.template ?? UNMATCHED;
}
