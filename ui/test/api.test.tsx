/**
 * The API client: what a view gets back when a response is cut short or refused.
 * (.tsx only because vitest.config.ts includes ui tests by that suffix.)
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, getJson } from '../src/api.js';

afterEach(() => vi.unstubAllGlobals());

const answer = (res: Response): void => {
  vi.stubGlobal('fetch', () => Promise.resolve(res));
};

describe('getJson', () => {
  it('fails when a good answer’s body cannot be read, instead of returning {}', async () => {
    const cut = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"validations":['));
        c.error(new DOMException('The operation was aborted.', 'AbortError'));
      },
    });
    answer(new Response(cut, { status: 200 }));
    await expect(getJson('validations')).rejects.toThrow(/aborted/);
  });

  it('turns an error answer into an ApiError, with or without a JSON body', async () => {
    const body = { error: { code: 'NOT_FOUND', message: 'no such run', hint: 'mlo runs list' } };
    answer(new Response(JSON.stringify(body), { status: 404 }));
    await expect(getJson('runs/x')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    answer(new Response('<html>', { status: 502, statusText: 'Bad Gateway' }));
    const e = await getJson('runs/x').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 502, code: '502', message: 'Bad Gateway' });
  });
});
