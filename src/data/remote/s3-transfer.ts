/**
 * Large objects on S3: multipart uploads and ranged downloads that survive kill -9.
 *
 * An upload's upload id and finished parts are journalled under the remote's state
 * folder; a rerun sends only the missing parts, re-reads the rest to hash the whole
 * object, and completes the upload only when that hash is the object's name. A
 * download writes ranges into a partial file beside its journal; a rerun fetches
 * only the missing ranges and the whole file is hashed before the caller sees it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { MloError } from '../../errors.js';
import { tempPathFor } from '../../util/atomic.js';
import { ownerTag } from '../../util/owner.js';
import type { Limiter } from './limit.js';
import type { S3Connection } from './s3-client.js';
import {
  corruptLocal,
  corruptRemote,
  incompleteBody,
  MULTIPART_THRESHOLD,
  type S3Location,
} from './s3-common.js';
import {
  listJournals,
  ownedByOther,
  readJournal,
  removeQuietly,
  writeJournal,
  type Journal,
} from './state.js';
import type { TransferHooks } from './types.js';

/** What the large-object paths need from the S3 remote. */
export interface S3Io {
  readonly name: string;
  readonly location: S3Location;
  readonly stateDir: string;
  readonly tmpDir: string;
  readonly jobs: number;
  readonly encryption: {
    ServerSideEncryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
    SSEKMSKeyId?: string;
  };
  /** bounds part buffers held in memory across all uploads of this remote */
  readonly partBuffers: Limiter;
  keyOf(hash: string): string;
  request<R>(kind: string, attempt: (conn: S3Connection) => Promise<R>): Promise<R>;
  headSize(hash: string): Promise<number | undefined>;
}

const MAX_PARTS = 10_000;

/** Parts of at least 8 MiB, doubled until the object fits S3's 10,000 parts. */
export function partSizeFor(size: number): number {
  let part = MULTIPART_THRESHOLD;
  while (Math.ceil(size / part) > MAX_PARTS) part *= 2;
  return part;
}

interface UploadJournal extends Journal {
  key: string;
  size: number;
  partSize: number;
  uploadId: string;
  /** part number → ETag */
  parts: Record<string, string>;
}

function isNoSuchUpload(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchUpload';
}

export async function uploadMultipart(
  io: S3Io,
  hash: string,
  size: number,
  path: string,
  hooks: TransferHooks,
): Promise<void> {
  const key = io.keyOf(hash);
  const partSize = partSizeFor(size);
  const dir = join(io.stateDir, 'uploads');
  mkdirSync(dir, { recursive: true });
  let file: string | undefined = join(dir, `${hash}.json`);
  let journal = readJournal<UploadJournal>(file);
  if (journal && ownedByOther(journal)) {
    // another mlo is sending this very object: send ours without a journal
    journal = undefined;
    file = undefined;
  } else if (journal) {
    // A kill after completing but before forgetting the journal: nothing to send.
    if ((await io.headSize(hash)) === size) {
      await abortUpload(io, journal);
      removeQuietly(file);
      hooks.onBytes?.(size);
      return;
    }
    if (journal.key !== key || journal.size !== size || journal.partSize !== partSize) {
      await abortUpload(io, journal);
      journal = undefined;
    }
  }
  for (let round = 0; ; round++) {
    if (!journal) {
      const uploadId = await io.request('create-multipart', async ({ sdk, client }) => {
        const out = await client.send(
          new sdk.CreateMultipartUploadCommand({
            Bucket: io.location.bucket,
            Key: key,
            ...io.encryption,
          }),
        );
        return out.UploadId!;
      });
      journal = { owner: ownerTag(), key, size, partSize, uploadId, parts: {} };
    } else journal.owner = ownerTag();
    if (file) writeJournal(file, journal);
    try {
      await sendParts(io, journal, file, hash, path, hooks);
      if (file) removeQuietly(file);
      return;
    } catch (err) {
      // The upload expired or was aborted (a lifecycle rule, gc): start a new one once.
      if (!isNoSuchUpload(err) || round > 0) throw err;
      if (file) removeQuietly(file);
      journal = undefined;
    }
  }
}

async function sendParts(
  io: S3Io,
  journal: UploadJournal,
  file: string | undefined,
  hash: string,
  path: string,
  hooks: TransferHooks,
): Promise<void> {
  const fh = await open(path, 'r');
  const hasher = createHash('sha256');
  const inflight = new Set<Promise<void>>();
  let failure: Error | undefined;
  try {
    for (let n = 1, off = 0; off < journal.size && failure === undefined; n++) {
      const len = Math.min(journal.partSize, journal.size - off);
      const done = journal.parts[n] !== undefined;
      // A slot per buffer in memory, held until its part is sent.
      const release = done ? () => undefined : await io.partBuffers.acquire();
      let buf: Buffer;
      try {
        buf = await readExact(fh, off, len);
      } catch (err) {
        release();
        throw err;
      }
      off += len;
      hasher.update(buf);
      if (done) {
        hooks.onBytes?.(len);
        continue;
      }
      const partNumber = n;
      const p = sendPart(io, journal, partNumber, buf)
        .then((etag) => {
          journal.parts[partNumber] = etag;
          if (file) writeJournal(file, journal);
          hooks.onBytes?.(len);
        })
        .catch((err: unknown) => {
          failure ??= err instanceof Error ? err : new Error(String(err));
        })
        .finally(() => {
          release();
          inflight.delete(p);
        });
      inflight.add(p);
    }
    await Promise.all(inflight);
    if (failure !== undefined) throw failure;
  } finally {
    await fh.close();
  }
  if (hasher.digest('hex') !== hash) {
    await abortUpload(io, journal);
    if (file) removeQuietly(file);
    throw corruptLocal(hash);
  }
  const parts = Object.entries(journal.parts)
    .map(([n, etag]) => ({ PartNumber: Number(n), ETag: etag }))
    .sort((a, b) => a.PartNumber - b.PartNumber);
  await io.request('complete-multipart', async ({ sdk, client }) => {
    await client.send(
      new sdk.CompleteMultipartUploadCommand({
        Bucket: io.location.bucket,
        Key: journal.key,
        UploadId: journal.uploadId,
        MultipartUpload: { Parts: parts },
      }),
    );
  });
}

async function sendPart(
  io: S3Io,
  journal: UploadJournal,
  n: number,
  body: Buffer,
): Promise<string> {
  return io.request('put-part', async ({ sdk, client }) => {
    const out = await client.send(
      new sdk.UploadPartCommand({
        Bucket: io.location.bucket,
        Key: journal.key,
        UploadId: journal.uploadId,
        PartNumber: n,
        Body: body,
        ContentLength: body.length,
      }),
    );
    return out.ETag ?? '';
  });
}

async function readExact(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw corruptLocalShort();
    got += bytesRead;
  }
  return buf;
}

function corruptLocalShort(): MloError {
  return new MloError('INVALID', 'a local cache object is shorter than its recorded size', {
    hint: 'run `mlo fsck` to find damaged objects',
  });
}

/** Abort an upload; a store that cannot abort (s3rver) or has forgotten it is fine. */
async function abortUpload(io: S3Io, journal: UploadJournal): Promise<void> {
  try {
    await io.request('abort-multipart', async ({ sdk, client }) => {
      await client.send(
        new sdk.AbortMultipartUploadCommand({
          Bucket: io.location.bucket,
          Key: journal.key,
          UploadId: journal.uploadId,
        }),
      );
    });
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== 404 && status !== 405 && status !== 501) throw err;
  }
}

/** Abort the journalled uploads of objects this run does not send (a kill left them). */
export async function abortStaleUploads(io: S3Io, keep: ReadonlySet<string>): Promise<void> {
  const dir = join(io.stateDir, 'uploads');
  for (const hash of listJournals(dir)) {
    if (keep.has(hash)) continue;
    const file = join(dir, `${hash}.json`);
    const journal = readJournal<UploadJournal>(file);
    if (journal && ownedByOther(journal)) continue;
    if (journal) await abortUpload(io, journal);
    removeQuietly(file);
  }
}

interface DownloadJournal extends Journal {
  size: number;
  partSize: number;
  /** part numbers written whole into the partial file */
  done: number[];
}

/** Download into `dest` and check its sha256; resumes a ranged download a kill stopped. */
export async function downloadObject(
  io: S3Io,
  hash: string,
  dest: string,
  options: TransferHooks & { size?: number },
): Promise<{ size: number }> {
  for (let fresh = false; ; fresh = true) {
    let resumed = false;
    if (options.size === undefined || options.size <= MULTIPART_THRESHOLD) {
      await streamObject(io, hash, dest, options);
    } else {
      resumed = await rangedDownload(io, hash, dest, options.size, options, fresh);
    }
    const got = await hashFileAsync(dest);
    if (got.hash === hash) return { size: got.size };
    rmSync(dest, { force: true });
    // bytes a killed run left may be what is wrong: one fresh try before blaming the remote
    if (resumed && !fresh) continue;
    throw corruptRemote(io.name, hash);
  }
}

/** One GET into a new file; a reset mid-body continues from the last byte written. */
async function streamObject(
  io: S3Io,
  hash: string,
  dest: string,
  hooks: TransferHooks,
): Promise<void> {
  const fh = await open(dest, 'wx', 0o644);
  let offset = 0;
  try {
    await io.request('get', async ({ sdk, client }) => {
      const out = await client.send(
        new sdk.GetObjectCommand({
          Bucket: io.location.bucket,
          Key: io.keyOf(hash),
          Range: offset > 0 ? `bytes=${offset}-` : undefined,
        }),
      );
      if (offset > 0 && !out.ContentRange) {
        // the store ignored the range: start over
        await fh.truncate(0);
        offset = 0;
      }
      const expected = offset + (out.ContentLength ?? 0);
      for await (const chunk of out.Body as Readable) {
        const buf = chunk as Buffer;
        await writeAll(fh, buf, offset);
        offset += buf.length;
        hooks.onBytes?.(buf.length);
      }
      if (out.ContentLength !== undefined && offset !== expected) throw incompleteBody();
    });
  } catch (err) {
    await fh.close();
    rmSync(dest, { force: true });
    throw err;
  }
  await fh.close();
}

/**
 * Parallel ranged GETs into a partial file kept with a journal in the remote's
 * state folder. Returns whether it resumed an earlier run's file.
 */
async function rangedDownload(
  io: S3Io,
  hash: string,
  dest: string,
  size: number,
  hooks: TransferHooks,
  fresh: boolean,
): Promise<boolean> {
  const partSize = partSizeFor(size);
  const dir = join(io.stateDir, 'downloads');
  mkdirSync(dir, { recursive: true });
  let journalFile: string | undefined = join(dir, `${hash}.json`);
  let partial = join(dir, `${hash}.part`);
  let journal = readJournal<DownloadJournal>(journalFile);
  if (journal && ownedByOther(journal)) {
    // another mlo fetches this very object: fetch ours privately
    journal = undefined;
    journalFile = undefined;
    partial = tempPathFor('download', io.tmpDir);
  }
  const resumed =
    !fresh &&
    journal !== undefined &&
    journal.size === size &&
    journal.partSize === partSize &&
    existsSync(partial);
  if (!resumed || !journal) {
    rmSync(partial, { force: true });
    journal = { owner: ownerTag(), size, partSize, done: [] };
  }
  journal.owner = ownerTag();
  if (journalFile) writeJournal(journalFile, journal);
  const fh = await open(partial, resumed ? 'r+' : 'w', 0o644);
  const done = new Set(journal.done);
  const parts: number[] = [];
  for (let n = 1; (n - 1) * partSize < size; n++) {
    if (done.has(n)) hooks.onBytes?.(Math.min(partSize, size - (n - 1) * partSize));
    else parts.push(n);
  }
  const j = journal;
  try {
    await Promise.all(
      parts.map(async (n) => {
        const start = (n - 1) * partSize;
        const end = Math.min(size, start + partSize) - 1;
        let at = start;
        await io.request('get-range', async ({ sdk, client }) => {
          const out = await client.send(
            new sdk.GetObjectCommand({
              Bucket: io.location.bucket,
              Key: io.keyOf(hash),
              Range: `bytes=${at}-${end}`,
            }),
          );
          if (!out.ContentRange) throw rangeIgnored(io.name);
          for await (const chunk of out.Body as Readable) {
            const buf = chunk as Buffer;
            const take = Math.min(buf.length, end + 1 - at);
            await writeAll(fh, take === buf.length ? buf : buf.subarray(0, take), at);
            at += take;
            hooks.onBytes?.(take);
          }
          if (at !== end + 1) throw incompleteBody();
        });
        j.done.push(n);
        if (journalFile) writeJournal(journalFile, j);
      }),
    );
  } finally {
    await fh.close();
  }
  await rename(partial, dest);
  if (journalFile) removeQuietly(journalFile);
  return resumed;
}

function rangeIgnored(name: string): MloError {
  return new MloError('UNAVAILABLE', `remote "${name}" ignored a Range request`, {
    hint: 'this store cannot serve large objects in parts',
  });
}

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let off = 0; off < buf.length;) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off, position + off);
    off += bytesWritten;
  }
}

/** sha256 of a file without blocking the event loop (other transfers keep moving). */
export async function hashFileAsync(path: string): Promise<{ hash: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    h.update(buf);
    size += buf.length;
  }
  return { hash: h.digest('hex'), size };
}
