/**
 * Worker half of runColumnTasks (engine.ts): numeric columns arrive as transferred
 * Float64Arrays batch by batch; at the end each is profiled and either encoded
 * (baselines) or compared with its reference (checks). In between batches, while the
 * main thread parses, the worker hashes the data file a chunk at a time, and reads its
 * part of a CSV file when the main thread split it (engine.ts, io/csv-split.ts).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { isMloError } from '../errors.js';
import { CsvPartRefused, openCsvPart, type Column, type ColumnBatch } from '../io/index.js';
import type { WorkerReply, WorkerRequest } from './engine.js';
import { computeOutcome, type ColumnOutcome } from './outcome.js';
import {
  decodeProfile,
  encodeProfile,
  NumericProfiler,
  type DriftOptions,
} from './profile/index.js';

const HASH_CHUNK = 4 << 20;

let columns: { profiler: NumericProfiler; reference: Uint8Array | null; options: DriftOptions }[] =
  [];

/** Hashes a file one chunk per turn of the event loop, so batches are never kept waiting. */
class ChunkedHash {
  private fd: number | null;
  private readonly hash: Hash = createHash('sha256');
  private readonly buf = Buffer.allocUnsafe(HASH_CHUNK);
  private failed = false;
  private done = false;

  constructor(path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch {
      this.fd = null;
      this.failed = true;
    }
    if (this.fd !== null) setImmediate(() => this.step());
  }

  /** Read and hash one chunk; false at the end. */
  private next(): boolean {
    if (this.fd === null || this.done) return false;
    try {
      const n = readSync(this.fd, this.buf, 0, HASH_CHUNK, null);
      if (n > 0) {
        this.hash.update(n === HASH_CHUNK ? this.buf : this.buf.subarray(0, n));
        return true;
      }
    } catch {
      this.failed = true;
    }
    this.close();
    return false;
  }

  private step(): void {
    if (this.next()) setImmediate(() => this.step());
  }

  /** Hash what is left now and return the digest (null if the file could not be read). */
  finish(): string | null {
    while (this.next());
    return this.failed ? null : this.hash.digest('hex');
  }

  private close(): void {
    this.done = true;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

let hashing: ChunkedHash | null = null;

type PartRequest = NonNullable<Extract<WorkerRequest, { type: 'init' }>['part']>;

/** The worker's part of a CSV file, read as soon as the worker starts and held until asked for. */
class Part {
  private batches: ColumnBatch[] = [];
  private rows = 0;
  private refused: string | null = null;
  private dropped = false;
  readonly read: Promise<void>;

  constructor(private readonly request: PartRequest) {
    this.read = this.readAll();
  }

  private async readAll(): Promise<void> {
    try {
      const reader = openCsvPart(this.request.spec);
      const rows = reader.rangeBatches({ from: this.request.from, noQuotes: true });
      for await (const b of rows) {
        if (this.dropped) return;
        this.batches.push(b);
        this.rows += b.length;
      }
      if (reader.issues().length > 0)
        throw new CsvPartRefused('cells that do not fit their column');
    } catch (err) {
      this.refused = err instanceof Error ? err.message : String(err);
      this.batches = [];
    }
  }

  drop(): void {
    this.dropped = true;
    this.batches = [];
  }

  /** Profile the part's rows of this thread's columns; the others go to the main thread. */
  async take(): Promise<WorkerReply> {
    await this.read;
    if (this.refused !== null) return { type: 'part', rows: null, reason: this.refused };
    const { indexes, send } = this.request;
    const out: (Column | null)[][] = [];
    for (const b of this.batches) {
      for (let j = 0; j < columns.length; j++) {
        columns[j].profiler.add(
          (b.columns[indexes[j]] as Column & { values: Float64Array }).values,
        );
      }
      const sent: (Column | null)[] = b.columns.map(() => null);
      for (const k of send) sent[k] = b.columns[k];
      out.push(sent);
    }
    const rows = this.rows;
    this.batches = [];
    return { type: 'part', rows, batches: out };
  }
}

let part: Part | null = null;

/** The buffers of the columns in a part reply, to transfer rather than copy. */
function buffersOf(reply: WorkerReply): ArrayBuffer[] {
  if (reply.type !== 'part' || reply.rows === null) return [];
  const found = new Set<ArrayBuffer>();
  for (const cols of reply.batches) {
    for (const c of cols) {
      if (c === null) continue;
      found.add(('values' in c ? c.values : c.codes).buffer as ArrayBuffer);
      if (c.state !== null) found.add(c.state.buffer as ArrayBuffer);
    }
  }
  return [...found];
}

function reply(message: WorkerReply): void {
  parentPort!.postMessage(message);
}

function handle(m: WorkerRequest): void {
  switch (m.type) {
    case 'init':
      columns = m.tasks.map((t) => ({
        profiler: new NumericProfiler(t.numeric),
        reference: t.reference,
        options: t.options,
      }));
      hashing = m.hashFile === null ? null : new ChunkedHash(m.hashFile);
      part = m.part === null ? null : new Part(m.part);
      return;
    case 'part': {
      const p = part;
      part = null;
      if (p === null) throw new Error('no CSV part was requested');
      if (!m.take) {
        p.drop();
        return;
      }
      void p.take().then(
        (r) => parentPort!.postMessage(r, buffersOf(r)),
        (err: unknown) => fail(err),
      );
      return;
    }
    case 'batch':
      for (let j = 0; j < columns.length; j++) columns[j].profiler.add(m.arrays[j]);
      reply({ type: 'ack' });
      return;
    case 'finish': {
      const hash = hashing ? hashing.finish() : null;
      const results: ({ encoded: Uint8Array } | { outcome: ColumnOutcome })[] = [];
      for (const c of columns) {
        const profile = c.profiler.finish();
        if (c.reference === null) {
          results.push({ encoded: encodeProfile(profile) });
        } else {
          results.push({ outcome: computeOutcome(decodeProfile(c.reference), profile, c.options) });
        }
      }
      reply({ type: 'done', results, hash });
      return;
    }
  }
}

function fail(err: unknown): void {
  reply({
    type: 'error',
    code: isMloError(err) ? err.code : null,
    message: err instanceof Error ? err.message : String(err),
  });
}

parentPort?.on('message', (m: WorkerRequest) => {
  try {
    handle(m);
  } catch (err) {
    fail(err);
  }
});
