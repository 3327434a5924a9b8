import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RemoteIndex } from '../../../src/data/remote/state.js';
import { classifyError, withRetry } from '../../../src/data/remote/retry.js';

const h = (c: string): string => c.repeat(64);
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'mlo-index-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('RemoteIndex', () => {
  it('remembers objects with their sizes across loads, for one epoch', () => {
    const dir = tempDir();
    const index = RemoteIndex.load(dir);
    expect(index.epoch).toBeUndefined();
    index.reset('e1');
    index.add([
      { hash: h('a'), size: 1 },
      { hash: h('b'), size: 2 },
    ]);
    const again = RemoteIndex.load(dir);
    expect(again.epoch).toBe('e1');
    expect(again.has(h('a'), 1)).toBe(true);
    expect(again.has(h('a'), 5)).toBe(false); // another size is another (broken) copy
    expect(again.has(h('c'))).toBe(false);
    again.reset('e2'); // a gc elsewhere: everything is forgotten
    expect(RemoteIndex.load(dir).has(h('b'))).toBe(false);
  });

  it('a line a kill cut short is not trusted', () => {
    const dir = tempDir();
    const index = RemoteIndex.load(dir);
    index.reset('e');
    index.add([{ hash: h('a'), size: 10 }]);
    appendFileSync(join(dir, 'index'), `${h('b').slice(0, 40)}`);
    const again = RemoteIndex.load(dir);
    expect(again.has(h('a'), 10)).toBe(true);
    expect(again.size).toBe(1);
    // and the next append starts on a line of its own
    again.add([{ hash: h('c'), size: 3 }]);
    const third = RemoteIndex.load(dir);
    expect(third.has(h('c'), 3)).toBe(true);
    expect(third.size).toBe(2);
  });

  it('a complete listing of fan-outs replaces what was known there', () => {
    const dir = tempDir();
    const index = RemoteIndex.load(dir);
    index.reset('e');
    index.add([
      { hash: h('a'), size: 1 },
      { hash: `ab${h('0').slice(2)}`, size: 1 },
      { hash: h('b'), size: 1 },
    ]);
    index.replaceFanouts(new Set(['aa', 'ab']), [{ hash: `ab${h('1').slice(2)}`, size: 7 }]);
    const again = RemoteIndex.load(dir);
    expect(again.has(h('a'))).toBe(false);
    expect(again.has(`ab${h('1').slice(2)}`, 7)).toBe(true);
    expect(again.has(h('b'))).toBe(true); // another fan-out: untouched
    again.rebase('e2', [h('b')]);
    const rebased = RemoteIndex.load(dir);
    expect(rebased.epoch).toBe('e2');
    expect(rebased.has(h('b'))).toBe(false);
    expect(readFileSync(join(dir, 'index'), 'utf8').split('\n')[0]).toMatch(/epoch=e2$/);
  });

  it('an index from another folder (a commit brought it, a copy) is not believed', () => {
    const dir = tempDir();
    const index = RemoteIndex.load(dir);
    index.reset('e');
    index.add([{ hash: h('a'), size: 1 }]);
    expect(RemoteIndex.load(dir).has(h('a'), 1)).toBe(true);
    // the same bytes in a folder this checkout made anew, as a clone makes a committed
    // .mlo/remotes/<name>-<id>/: push would skip objects the remote does not have
    const elsewhere = tempDir();
    copyFileSync(join(dir, 'index'), join(elsewhere, 'index'));
    const copied = RemoteIndex.load(elsewhere);
    expect(copied.epoch).toBeUndefined();
    expect(copied.has(h('a'), 1)).toBe(false);
    // a header without the folder's numbers (the older format) starts afresh too
    writeFileSync(join(elsewhere, 'index'), `# mlo remote index v1 epoch=e\n${h('a')} 1\n`);
    expect(RemoteIndex.load(elsewhere).has(h('a'), 1)).toBe(false);
    // once reset there, it is believed there
    copied.reset('e');
    copied.add([{ hash: h('b'), size: 2 }]);
    expect(RemoteIndex.load(elsewhere).has(h('b'), 2)).toBe(true);
  });

  it('disabled, it remembers within the run only', () => {
    const dir = tempDir();
    const index = RemoteIndex.load(dir, { enabled: false });
    index.reset('e');
    index.add([{ hash: h('a'), size: 1 }]);
    expect(index.has(h('a'))).toBe(true);
    expect(RemoteIndex.load(dir).has(h('a'))).toBe(false);
  });
});

describe('retries', () => {
  const s3Error = (name: string, status: number): Error =>
    Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

  it('classifies throttling, server errors, network errors and the rest', () => {
    expect(classifyError(s3Error('SlowDown', 503))).toBe('throttled');
    expect(classifyError(s3Error('Unknown', 429))).toBe('throttled');
    expect(classifyError(s3Error('InternalError', 500))).toBe('transient');
    expect(classifyError(s3Error('Unknown', 502))).toBe('transient');
    expect(classifyError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(
      'transient',
    );
    expect(
      classifyError(new Error('wrapped', { cause: Object.assign(new Error(), { code: 'EPIPE' }) })),
    ).toBe('transient');
    expect(classifyError(s3Error('AccessDenied', 403))).toBe('fatal');
    expect(classifyError(s3Error('NoSuchKey', 404))).toBe('fatal');
    expect(classifyError(new TypeError('bug'))).toBe('fatal');
  });

  it('retries transient failures up to the limit, fatal ones never', async () => {
    const policy = { attempts: 4, baseMs: 1, throttleBaseMs: 1, capMs: 2 };
    let calls = 0;
    const ok = await withRetry(
      async () => {
        if (++calls < 3) throw s3Error('SlowDown', 503);
        return 'done';
      },
      { policy },
    );
    expect([ok, calls]).toEqual(['done', 3]);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw s3Error('InternalError', 500);
        },
        { policy },
      ),
    ).rejects.toThrow('InternalError');
    expect(calls).toBe(4);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw s3Error('AccessDenied', 403);
        },
        { policy },
      ),
    ).rejects.toThrow('AccessDenied');
    expect(calls).toBe(1);
  });

  it('waits grow exponentially, with jitter below the ceiling', async () => {
    const waits: number[] = [];
    const policy = { attempts: 6, baseMs: 4, throttleBaseMs: 4, capMs: 1000 };
    await withRetry(
      async (attempt) => {
        if (attempt < 6) throw s3Error('InternalError', 500);
      },
      { policy, onRetry: (_e, attempt, wait) => waits.push(wait / (4 * 2 ** (attempt - 1))) },
    );
    expect(waits).toHaveLength(5);
    for (const w of waits) {
      expect(w).toBeGreaterThanOrEqual(0);
      expect(w).toBeLessThanOrEqual(1);
    }
  });
});
