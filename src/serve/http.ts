/**
 * HTTP plumbing the routes share: bounded body reading, JSON and content-type checks,
 * bearer tokens, and writing a response in one call.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MloError } from '../errors.js';

/** Read the whole body, refusing (413) past `limit` bytes, declared or sent. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const tooLarge = (size: string): MloError =>
      new MloError('TOO_LARGE', `the body is ${size}; the limit is ${limit} bytes`, {
        hint: 'split the request, or start the server with a higher --max-body-bytes',
      });
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      reject(tooLarge(`${declared} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(tooLarge(`over ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      failed = true;
      reject(err);
    });
    req.on('close', () => {
      if (!req.complete && !failed) {
        failed = true;
        reject(new Error('the client closed the connection before sending the whole body'));
      }
    });
  });
}

/** application/json (any charset) or a +json type; a missing type is taken as JSON. */
export function checkJsonContentType(req: IncomingMessage): void {
  const type = req.headers['content-type'];
  if (type === undefined) return;
  const base = type.split(';', 1)[0].trim().toLowerCase();
  if (base === 'application/json' || base.endsWith('+json')) return;
  throw new MloError(
    'UNSUPPORTED_MEDIA',
    `Content-Type must be application/json, got ${base || 'nothing'}`,
    {
      hint: 'send the body as JSON with the header Content-Type: application/json',
    },
  );
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new MloError('INVALID', 'the body is empty; send a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new MloError('INVALID', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Compares digests, so neither the token nor its length leaks through timing. */
export function tokenChecker(token: string): (header: string | undefined) => boolean {
  const want = createHash('sha256').update(token).digest();
  return (header) => {
    if (header === undefined || !/^bearer /i.test(header)) return false;
    const got = createHash('sha256').update(header.slice(7).trim()).digest();
    return timingSafeEqual(got, want);
  };
}

/** Write status, headers (flat name/value list) and body in one go. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  headers: (string | number)[] = [],
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, [
    'content-type',
    contentType,
    'content-length',
    typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    ...headers,
  ]);
  res.end(body);
}

export const JSON_TYPE = 'application/json';
