/** Request bodies with limits: JSON read whole up to a size, raw bodies streamed to a file. */
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { MloError } from '../errors.js';

/** The declared length, when the client declared one. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const h = req.headers['content-length'];
  if (h === undefined) return undefined;
  const n = Number(h);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function tooLarge(limit: number): MloError {
  return new MloError('TOO_LARGE', `the request body is larger than ${limit} bytes`);
}

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) throw tooLarge(limit);
    chunks.push(c);
  }
  if (n === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks, n).toString('utf8')) as unknown;
  } catch {
    throw new MloError('INVALID', 'the request body is not valid JSON');
  }
}

/**
 * Stream a body into `dest` (a new file), hashing it on the way. At most `limit`
 * bytes; the file is fsync'd before this returns (the caller acknowledges what it
 * received) unless `sync` is false (a staging copy that goes elsewhere before the
 * acknowledgement), and removed on any failure.
 */
export async function receiveToFile(
  req: IncomingMessage,
  dest: string,
  limit: number,
  options: { sync?: boolean } = {},
): Promise<{ hash: string; size: number }> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) throw tooLarge(limit);
  const hash = createHash('sha256');
  let size = 0;
  const fh = await open(dest, 'wx', 0o444);
  try {
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > limit) throw tooLarge(limit);
      hash.update(c);
      await fh.write(c);
    }
    if (options.sync !== false) await fh.sync();
    await fh.close();
    return { hash: hash.digest('hex'), size };
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(dest, { force: true });
    throw err;
  }
}
