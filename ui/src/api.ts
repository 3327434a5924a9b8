/** The UI's JSON API (docs/ui.md), fetched relative to the page so any mount path works. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export type Params = Record<
  string,
  string | number | boolean | readonly string[] | undefined | null
>;

export function apiUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    if (Array.isArray(v)) for (const x of v as readonly string[]) q.append(k, x);
    else q.append(k, String(v));
  }
  const qs = q.toString();
  return `api/ui/${path}${qs ? `?${qs}` : ''}`;
}

async function parse<T>(res: Response): Promise<T> {
  // A body that fails to read (its request aborted by a newer one) must fail the call:
  // taken as `{}`, it became a view's data and the view threw on the missing fields.
  if (res.ok) return (await res.json()) as T;
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string; hint?: string };
  };
  const e = body.error ?? { code: String(res.status), message: res.statusText };
  throw new ApiError(res.status, e.code, e.message, e.hint);
}

export async function getJson<T>(path: string, params?: Params, signal?: AbortSignal): Promise<T> {
  return parse<T>(await fetch(apiUrl(path, params), { signal }));
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return parse<T>(
    await fetch(apiUrl(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

// The shapes the pages read (a subset of what the API returns).

export interface RunRow {
  id: string;
  name: string;
  experiment: string;
  status: string;
  stage: string | null;
  start: number;
  end: number | null;
  values: (string | number | null)[];
}

export interface RunsPage {
  total: number;
  offset: number;
  generation: string;
  groups?: { value: string | null; count: number }[];
  columns: string[];
  rows: RunRow[];
}

export interface RunKeys {
  params: string[];
  metrics: string[];
  tags: string[];
  experiments: { value: string; count: number }[];
  stages: { value: string; count: number }[];
  truncated: boolean;
}

export interface Series {
  run: string;
  name: string;
  key: string;
  total: number;
  thinned: boolean;
  step: number[];
  /** epoch ms; asked for with time=1 */
  time?: number[];
  value: (number | null)[];
}

export interface CompareRow<T> {
  key: string;
  values: (T | null)[];
  differs: boolean;
}

export interface Compare {
  runs: { id: string; name: string; status: string; experiment: string }[];
  params: CompareRow<string>[];
  metrics: CompareRow<number>[];
  tags: CompareRow<string>[];
}
