/** POST a JSON body and classify the answer for the retry loop. */
import type { SendResult } from './types.js';

const RETRY_STATUSES = new Set([408, 425, 429]);

/** Retry-After in seconds or as an HTTP date. */
function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const s = Number(header);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

export async function postJson(
  url: string,
  body: unknown,
  options: {
    timeoutMs: number;
    headers?: Record<string, string>;
    /** statuses that mean delivered (default: any 2xx) */
    accept?: (status: number) => boolean;
  },
): Promise<SendResult & { text?: string }> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'mlo-alerts',
        ...options.headers,
      },
      body: text,
      signal: AbortSignal.timeout(options.timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${options.timeoutMs} ms`
        : (e.cause?.code ?? e.message);
    return { ok: false, retry: true, error: why };
  }
  const answer = await res.text().catch(() => '');
  const ok = options.accept ? options.accept(res.status) : res.status >= 200 && res.status < 300;
  if (ok) return { ok: true, retry: false, status: res.status, text: answer };
  return {
    ok: false,
    retry: res.status >= 500 || RETRY_STATUSES.has(res.status),
    status: res.status,
    error: `HTTP ${res.status}${answer ? `: ${answer.slice(0, 200)}` : ''}`,
    retryAfterMs: retryAfter(res.headers.get('retry-after')),
    text: answer,
  };
}
