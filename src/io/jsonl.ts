/**
 * JSON Lines reader: one JSON object per line (blank lines skipped). The columns are
 * the keys seen in the first `sampleRows` lines, in first-seen order; a key that first
 * appears after them is not read. A key missing from a line is null there.
 */
import { open } from 'node:fs/promises';
import { MloError } from '../errors.js';
import { BuiltReader } from './built-reader.js';
import { ChunkReader, MAX_ROW_BYTES } from './chunks.js';
import { inferValueKind } from './infer.js';
import { selectColumns } from './schema.js';
import type { ReaderSettings } from './settings.js';
import type { ColumnBatch, TableReader, TableSchema } from './types.js';

const LF = 10;

type Row = Record<string, unknown>;

/** Lines of a JSON Lines file as parsed objects, with line numbers for messages. */
class JsonlLines {
  private readonly chunks: ChunkReader;
  /** 1-based number of the last line handed out */
  line = 0;
  /** data rows handed out */
  rows = 0;
  private text = '';
  private textPos = 0;

  constructor(
    chunks: ChunkReader,
    private readonly file: string,
  ) {
    this.chunks = chunks;
  }

  /** The next object, or null at the end of the file. */
  async next(): Promise<Row | null> {
    for (;;) {
      const nl = this.text.indexOf('\n', this.textPos);
      if (nl < 0) {
        if (!(await this.refill())) return null;
        continue;
      }
      let end = nl;
      if (end > this.textPos && this.text.charCodeAt(end - 1) === 13) end--;
      const start = this.textPos;
      this.textPos = nl + 1;
      this.line++;
      if (isBlank(this.text, start, end)) continue;
      return this.parse(this.text.slice(start, end));
    }
  }

  private parse(lineText: string): Row {
    let v: unknown;
    try {
      v = JSON.parse(lineText);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new MloError('INVALID', `${this.file}: line ${this.line}: malformed JSON: ${why}`, {
        details: { file: this.file, line: this.line },
      });
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new MloError(
        'INVALID',
        `${this.file}: line ${this.line}: expected a JSON object, found ${describe(v)}`,
        {
          details: { file: this.file, line: this.line },
        },
      );
    }
    this.rows++;
    return v as Row;
  }

  /** Decode the next run of whole lines into `text`; false at the end of the file. */
  private async refill(): Promise<boolean> {
    const c = this.chunks;
    for (;;) {
      const last = c.end > c.start ? c.buf.lastIndexOf(LF, c.end - 1) : -1;
      if (last >= c.start) {
        this.text = c.buf.toString('utf8', c.start, last + 1);
        if (this.line === 0 && this.text.charCodeAt(0) === 0xfeff) this.text = this.text.slice(1);
        this.textPos = 0;
        c.start = last + 1;
        return true;
      }
      if (c.eof) {
        if (c.start >= c.end) return false;
        // the last line has no line break
        this.text = c.buf.toString('utf8', c.start, c.end) + '\n';
        if (this.line === 0 && this.text.charCodeAt(0) === 0xfeff) this.text = this.text.slice(1);
        this.textPos = 0;
        c.start = c.end;
        return true;
      }
      if (!(await c.fill())) {
        throw new MloError(
          'INVALID',
          `${this.file}: line ${this.line + 1}: longer than ${MAX_ROW_BYTES >> 20} MiB`,
        );
      }
    }
  }
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 0xfeff) return false;
  }
  return true;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return `a ${typeof v}`;
}

async function withLines<T>(
  settings: ReaderSettings,
  size: number,
  use: (lines: JsonlLines) => Promise<T>,
): Promise<T> {
  const fh = await open(settings.path, 'r');
  try {
    const chunks = new ChunkReader(fh, settings.readChunkBytes, size, settings.onProgress);
    return await use(new JsonlLines(chunks, settings.file));
  } finally {
    await fh.close();
  }
}

export async function openJsonl(settings: ReaderSettings, size: number): Promise<TableReader> {
  const { keys, samples } = await withLines(settings, size, async (lines) => {
    const keys = new Map<string, unknown[]>();
    for (let n = 0; n < settings.sampleRows; n++) {
      const row = await lines.next();
      if (row === null) {
        if (n === 0) throw new MloError('INVALID', `${settings.file}: empty file (no JSON lines)`);
        break;
      }
      for (const [k, v] of Object.entries(row)) {
        let vals = keys.get(k);
        if (vals === undefined) keys.set(k, (vals = []));
        if (v !== null && v !== undefined) vals.push(v);
      }
    }
    return { keys: [...keys.keys()], samples: keys };
  });
  const selected = selectColumns({ ...settings, fileColumns: keys });
  for (const s of selected)
    if (!s.overridden) s.info.kind = inferValueKind(samples.get(s.info.name) ?? []);
  const schema: TableSchema = { columns: selected.map((s) => s.info), fileColumns: keys };
  return new JsonlReader(settings, size, schema);
}

class JsonlReader extends BuiltReader implements TableReader {
  readonly format = 'jsonl' as const;
  readonly rowCount = null;

  async *batches(): AsyncGenerator<ColumnBatch, void, undefined> {
    this.issueLog.clear();
    const builders = this.builders;
    const names = this.schema.columns.map((c) => c.name);
    // "{}" and a line break: the fewest bytes a row can take.
    const capacity = Math.min(this.settings.batchRows, Math.floor(this.sizeBytes / 3) + 1);
    const fh = await open(this.settings.path, 'r');
    try {
      const chunks = new ChunkReader(
        fh,
        this.settings.readChunkBytes,
        this.sizeBytes,
        this.settings.onProgress,
      );
      const lines = new JsonlLines(chunks, this.settings.file);
      let rowStart = 0;
      let filled = 0;
      for (const b of builders) b.begin(capacity, rowStart);
      for (;;) {
        const row = await lines.next();
        if (row === null) break;
        for (let j = 0; j < builders.length; j++) builders[j].fromValue(row[names[j]], filled);
        if (++filled === capacity) {
          yield { rowStart, length: filled, columns: builders.map((b) => b.finish(filled)) };
          rowStart += filled;
          filled = 0;
          for (const b of builders) b.begin(capacity, rowStart);
        }
      }
      if (filled > 0)
        yield { rowStart, length: filled, columns: builders.map((b) => b.finish(filled)) };
    } finally {
      await fh.close();
    }
  }
}
