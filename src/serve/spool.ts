/**
 * The prediction log's spool: where rows go when the writer cannot take them now (it
 * is behind, the store is locked, a write failed), so that no answered row is lost
 * short of a full disk. Segments are append-only files under `.mlo/spool/`:
 *
 *     seg-<owner>-<seq>.open          being appended to by its owner (one process)
 *     seg-<owner>-<seq>.ready         sealed (fdatasync'd): anyone may drain it
 *     seg-<owner>-<seq>.drain-<who>   claimed by a drainer (rename is the lock)
 *
 * `<owner>` and `<who>` are `pid.start.random`: a segment whose owner or drainer is no
 * longer running (its pid gone, or reused by a process that started at another time)
 * is drained by whoever comes next — the next `mlo serve`, or any reader of the log.
 * A drainer inserts a segment's rows and marks it drained in one transaction, then
 * deletes the file; a drainer that dies in between leaves a marked segment, which the
 * next one only deletes.
 *
 * A segment is a header and records `[u32 length][u32 crc32][payload]`, one per batch
 * of one served model: appended with write(2), so a killed server leaves every whole
 * record; a torn last record (a crash mid-write) fails its length or checksum and is
 * skipped, counted.
 */
import {
  closeSync,
  fdatasync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { errnoCode } from '../errors.js';
import type { Label } from '../onnx/index.js';
import { forgetSpoolSegment, insertSpoolSegment, type Store } from '../store/index.js';
import { predictionBatchOf, type LogBatch, type LogSource } from './log-rows.js';

const MAGIC = Buffer.from('MLOSPL01');
/** a segment is sealed past this size, so draining one is a bounded transaction */
const SEGMENT_BYTES = 32 * 1024 * 1024;

/** `.mlo/spool` beside the store `.mlo/mlo.db`. */
export function spoolDirOf(storePath: string): string {
  return join(dirname(storePath), 'spool');
}

// ------------------------------------------------------------------ owners

let selfTag: string | undefined;

/** This process's start time in clock ticks since boot (Linux), else 0. */
function startTicks(pid: number | 'self'): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command (which may hold spaces) start at the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : 0;
  } catch {
    return pid === 'self' ? 0 : null;
  }
}

/** `pid.start.random` of this process (one per process: worker threads share it). */
export function ownerTag(): string {
  selfTag ??= `${process.pid}.${startTicks('self') ?? 0}.${randomBytes(3).toString('hex')}`;
  return selfTag;
}

/** Whether the process that wrote `tag` may still be running. */
export function ownerAlive(tag: string): boolean {
  const [pidText, startText] = tag.split('.');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (tag === selfTag) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errnoCode(err) !== 'EPERM') return false;
  }
  const recorded = Number(startText);
  if (!recorded) return true;
  const now = startTicks(pid);
  // no /proc entry to compare with: the pid answered, take it as alive
  return now === null || now === 0 || now === recorded;
}

// ------------------------------------------------------------------ records

interface RecordHead {
  s: LogSource;
  n: number;
  t: number;
  c: number;
  ids: string[];
  labels: Label[] | null;
  v: boolean;
  p: boolean;
}

function bytesOf(a: Float64Array | Float32Array, n: number): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, n * a.BYTES_PER_ELEMENT);
}

/** One batch as a framed record. */
export function encodeRecord(b: LogBatch): Buffer {
  const head: RecordHead = {
    s: b.source,
    n: b.n,
    t: b.targets,
    c: b.classes,
    ids: b.ids.slice(0, b.n),
    labels: b.labels ? b.labels.slice(0, b.n) : null,
    v: b.values !== null,
    p: b.probs !== null,
  };
  const json = Buffer.from(JSON.stringify(head));
  const pad = (8 - ((4 + json.length) % 8)) % 8;
  const parts = [Buffer.alloc(8), u32(json.length), json, Buffer.alloc(pad)];
  parts.push(bytesOf(b.ts, b.n), bytesOf(b.latency, b.n), bytesOf(b.x, b.n * b.source.nFeatures));
  if (b.values) parts.push(bytesOf(b.values, b.n * b.targets));
  if (b.probs) parts.push(bytesOf(b.probs, b.n * b.classes));
  const record = Buffer.concat(parts);
  const payload = record.subarray(8);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  return record;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}

/** A typed array copied out of `buf` (records are not aligned for a view). */
function f64(buf: Buffer, at: number, n: number): Float64Array {
  const out = new Float64Array(n);
  Buffer.from(out.buffer).set(buf.subarray(at, at + n * 8));
  return out;
}

function f32(buf: Buffer, at: number, n: number): Float32Array {
  const out = new Float32Array(n);
  Buffer.from(out.buffer).set(buf.subarray(at, at + n * 4));
  return out;
}

function decodePayload(p: Buffer): LogBatch {
  const len = p.readUInt32LE(0);
  const head = JSON.parse(p.subarray(4, 4 + len).toString('utf8')) as RecordHead;
  let at = 4 + len + ((8 - ((4 + len) % 8)) % 8);
  const n = head.n;
  const f = head.s.nFeatures;
  const ts = f64(p, at, n);
  at += n * 8;
  const latency = f64(p, at, n);
  at += n * 8;
  const x = f64(p, at, n * f);
  at += n * f * 8;
  const values = head.v ? f64(p, at, n * head.t) : null;
  if (head.v) at += n * head.t * 8;
  const probs = head.p ? f32(p, at, n * head.c) : null;
  return {
    source: head.s,
    n,
    ts,
    latency,
    ids: head.ids,
    x,
    labels: head.labels,
    values,
    targets: head.t,
    probs,
    classes: head.c,
  };
}

export interface DecodedSegment {
  batches: LogBatch[];
  rows: number;
  /** bytes after the last whole record (a write cut short by a crash) */
  tornBytes: number;
}

/** The whole records of a segment file's bytes. */
export function decodeSegment(buf: Buffer): DecodedSegment {
  const batches: LogBatch[] = [];
  let rows = 0;
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    return { batches, rows, tornBytes: buf.length };
  }
  let at = MAGIC.length;
  while (at + 8 <= buf.length) {
    const len = buf.readUInt32LE(at);
    const sum = buf.readUInt32LE(at + 4);
    const end = at + 8 + len;
    if (end > buf.length) break;
    const payload = buf.subarray(at + 8, end);
    if (crc32(payload) !== sum) break;
    let batch: LogBatch;
    try {
      batch = decodePayload(payload);
    } catch {
      break;
    }
    batches.push(batch);
    rows += batch.n;
    at = end;
  }
  return { batches, rows, tornBytes: buf.length - at };
}

// ------------------------------------------------------------------ appending

/**
 * The server's own segment: appends are synchronous write(2)s on the calling thread
 * (one per flush, not per request), made durable by an fdatasync at most every
 * `syncMs` and when the segment is sealed.
 */
export class SpoolWriter {
  private fd: number | null = null;
  private name = '';
  private bytes = 0;
  private seq = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private sealing: Promise<void> = Promise.resolve();
  /** rows appended to segments not yet sealed */
  openRows = 0;
  /** the owner part of this writer's segment names */
  readonly owner = ownerTag();

  constructor(
    readonly dir: string,
    private readonly syncMs = 100,
  ) {}

  /** Append the batches as records; throws (ENOSPC, EROFS, ...) when they cannot be written. */
  append(batches: readonly LogBatch[]): void {
    const buf = Buffer.concat(batches.map(encodeRecord));
    if (this.fd === null) this.open();
    writeAll(this.fd!, buf);
    this.bytes += buf.length;
    this.openRows += batches.reduce((n, b) => n + b.n, 0);
    this.syncTimer ??= setTimeout(() => {
      this.syncTimer = undefined;
      if (this.fd !== null) fdatasync(this.fd, () => undefined);
    }, this.syncMs);
    if (this.bytes >= SEGMENT_BYTES) void this.seal();
  }

  private open(): void {
    mkdirSync(this.dir, { recursive: true });
    this.name = `seg-${ownerTag()}-${String(++this.seq).padStart(6, '0')}`;
    const fd = openSync(join(this.dir, `${this.name}.open`), 'wx', 0o600);
    try {
      writeAll(fd, MAGIC);
    } catch (err) {
      closeSync(fd);
      rmSync(join(this.dir, `${this.name}.open`), { force: true });
      throw err;
    }
    this.fd = fd;
    this.bytes = MAGIC.length;
  }

  /** Make the open segment durable and drainable; later appends start a new one. */
  seal(): Promise<void> {
    const fd = this.fd;
    if (fd === null) return this.sealing;
    const name = this.name;
    this.fd = null;
    this.openRows = 0;
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    const dir = this.dir;
    this.sealing = this.sealing.then(
      () =>
        new Promise<void>((resolve) => {
          fdatasync(fd, () => {
            try {
              closeSync(fd);
              renameSync(join(dir, `${name}.open`), join(dir, `${name}.ready`));
            } catch {
              // left as .open: drained once this process has exited
            }
            resolve();
          });
        }),
    );
    return this.sealing;
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

// ------------------------------------------------------------------ draining

export interface DrainResult {
  segments: number;
  rows: number;
  /** rows of segments written by `owner` (DrainOptions) */
  ownRows: number;
  /** bytes of torn records skipped (rows lost to a crash mid-write) */
  tornBytes: number;
}

interface Candidate {
  file: string;
  id: string;
  owner: string;
}

const SEGMENT =
  /^(seg-([0-9]+\.[0-9]+\.[0-9a-f]+)-[0-9]+)\.(open|ready|drain-([0-9]+\.[0-9]+\.[0-9a-f]+))$/;

/** Segments this process may drain now: sealed ones, and those of processes that died. */
function candidates(dir: string): Candidate[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Candidate[] = [];
  for (const file of names.sort()) {
    const m = SEGMENT.exec(file);
    if (!m) continue;
    const [, id, owner, state, drainer] = m;
    // (a claim of this process's own that did not finish is taken up again)
    const free =
      state === 'ready' ||
      (state === 'open' && !ownerAlive(owner)) ||
      (drainer !== undefined && (drainer === ownerTag() || !ownerAlive(drainer)));
    if (free) out.push({ file, id, owner });
  }
  return out;
}

/**
 * Move spooled rows into the store: every segment that is sealed, or whose writer or
 * drainer has died. Synchronous (the caller's thread does the inserts); stops
 * starting new segments after `deadlineMs` (epoch ms).
 */
export interface DrainOptions {
  /** default: `.mlo/spool` beside the store */
  dir?: string;
  /** start no segment after this (epoch ms) */
  deadlineMs?: number;
  /** whose rows to count as ownRows (a SpoolWriter's owner; worker threads have their own tag) */
  owner?: string;
}

export function drainSpool(store: Store, options: DrainOptions = {}): DrainResult {
  const dir = options.dir ?? spoolDirOf(store.path);
  const result: DrainResult = { segments: 0, rows: 0, ownRows: 0, tornBytes: 0 };
  const me = ownerTag();
  for (const c of candidates(dir)) {
    if (options.deadlineMs !== undefined && Date.now() > options.deadlineMs) break;
    const claimed = join(dir, `${c.id}.drain-${me}`);
    try {
      if (c.file !== `${c.id}.drain-${me}`) renameSync(join(dir, c.file), claimed);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue; // another drainer was first
      throw err;
    }
    const seg = decodeSegment(readFileSync(claimed));
    const inserted = insertSpoolSegment(store, c.id, seg.batches.map(predictionBatchOf));
    rmSync(claimed, { force: true });
    forgetSpoolSegment(store, c.id);
    if (!inserted) continue;
    result.segments++;
    result.rows += seg.rows;
    result.tornBytes += seg.tornBytes;
    if (c.owner === (options.owner ?? me)) result.ownRows += seg.rows;
  }
  return result;
}

/** Whether the spool holds any segment at all (anyone's, in any state). */
export function spoolHasSegments(storePath: string): boolean {
  try {
    return readdirSync(spoolDirOf(storePath)).some((f) => SEGMENT.test(f));
  } catch {
    return false;
  }
}
