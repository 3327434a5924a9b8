/**
 * A hash table from byte strings to small integers, so that a CSV text cell finds its
 * dictionary code without first becoming a JavaScript string. Decoding every cell to a
 * string and looking it up in a Map costs about 100 ns per cell; hashing the bytes in
 * place costs a fraction of that, and the string is made once per distinct value.
 */

const EMPTY = 0;
/** FNV-1a, 32 bits */
export const HASH_SEED = 0x811c9dc5 | 0;
export const HASH_PRIME = 0x01000193;

export class ByteDict {
  /** the code chosen by `classify` for each entry, in insertion order */
  private codes: Int32Array<ArrayBuffer> = new Int32Array(64);
  private hashes = new Int32Array(64);
  private offsets = new Int32Array(64);
  private lengths = new Int32Array(64);
  private pool = new Uint8Array(1024);
  private poolUsed = 0;
  /** open addressing: entry index + 1, or EMPTY */
  private table = new Int32Array(256);
  private mask = 255;
  size = 0;

  /**
   * @param classify decides the code of a value the first time it is seen, from its
   *   text (UTF-8 decoded); the same bytes always get the same code afterwards
   */
  constructor(private readonly classify: (text: string) => number) {}

  /** The code of the bytes buf[start, end). */
  codeOf(buf: Uint8Array, start: number, end: number): number {
    let h = HASH_SEED;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], HASH_PRIME);
    return this.codeOfHashed(buf, start, end, h);
  }

  /** codeOf for a caller that hashed the bytes while scanning them (FNV-1a, HASH_SEED/HASH_PRIME). */
  codeOfHashed(buf: Uint8Array, start: number, end: number, h: number): number {
    const len = end - start;
    const table = this.table;
    const mask = this.mask;
    let slot = h & mask;
    for (;;) {
      const e = table[slot];
      if (e === EMPTY) break;
      const entry = e - 1;
      if (
        this.hashes[entry] === h &&
        this.lengths[entry] === len &&
        this.sameBytes(entry, buf, start, len)
      ) {
        return this.codes[entry];
      }
      slot = (slot + 1) & mask;
    }
    return this.insert(buf, start, end, h, slot);
  }

  private sameBytes(entry: number, buf: Uint8Array, start: number, len: number): boolean {
    const pool = this.pool;
    const off = this.offsets[entry];
    for (let k = 0; k < len; k++) if (pool[off + k] !== buf[start + k]) return false;
    return true;
  }

  private insert(buf: Uint8Array, start: number, end: number, h: number, slot: number): number {
    const len = end - start;
    const text = Buffer.from(buf.buffer, buf.byteOffset + start, len).toString('utf8');
    const code = this.classify(text);
    const entry = this.size;
    if (entry === this.codes.length) this.growEntries();
    if (this.poolUsed + len > this.pool.length) this.growPool(len);
    this.pool.set(buf.subarray(start, end), this.poolUsed);
    this.offsets[entry] = this.poolUsed;
    this.lengths[entry] = len;
    this.hashes[entry] = h;
    this.codes[entry] = code;
    this.poolUsed += len;
    this.table[slot] = entry + 1;
    this.size++;
    if (this.size * 2 > this.mask) this.rehash();
    return code;
  }

  private growEntries(): void {
    const n = this.codes.length * 2;
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.codes = grow(this.codes);
    this.hashes = grow(this.hashes);
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
  }

  private growPool(need: number): void {
    const b = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + need));
    b.set(this.pool.subarray(0, this.poolUsed));
    this.pool = b;
  }

  private rehash(): void {
    const size = this.table.length * 2;
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let entry = 0; entry < this.size; entry++) {
      let slot = this.hashes[entry] & mask;
      while (table[slot] !== EMPTY) slot = (slot + 1) & mask;
      table[slot] = entry + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}
