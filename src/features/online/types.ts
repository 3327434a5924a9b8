/** The online store's contract: latest values per view and entity key, keep-newest writes. */

export interface OnlineKey {
  view: string;
  /** the entity key in canonical text (keys.ts) */
  key: string;
}

export interface OnlineRecord {
  eventMs: number;
  createdMs: number | null;
  /** the view's feature values, encoded (codec.ts) */
  vals: Uint8Array;
}

/** Rows for one view, column by column (a million objects cost more than a few arrays). */
export interface OnlineRows {
  keys: string[];
  eventMs: Float64Array;
  /** NaN: no created timestamp */
  createdMs: Float64Array;
  /** row j's encoded values are buffer.subarray(offsets[j], offsets[j + 1]) */
  buffer: Buffer;
  offsets: Float64Array;
}

/** How a view's entity keys are stored: one integer key, or text (codec of keys.ts). */
export type KeyKind = 'int' | 'text';

export interface OnlineStore {
  readonly kind: 'sqlite' | 'redis';
  /** where the values live, for messages: a file or a redis URL without credentials */
  readonly where: string;
  /**
   * Make the view ready for values of this shape (changes.onlineShape). A view that
   * holds values of another shape is refused: they would be read as the wrong features.
   */
  prepare(view: string, shape: string, keyKind: KeyKind): Promise<void>;
  /**
   * Write rows, keeping for each key the newest (event time, then created time): a
   * window materialized late never overwrites newer values. Returns the rows written.
   */
  write(view: string, rows: OnlineRows): Promise<number>;
  /** One record (or undefined) per key, in order. */
  read(keys: readonly OnlineKey[]): Promise<(OnlineRecord | undefined)[]>;
  /** The shape the view's values were written with; undefined when it holds none. */
  shapeOf(view: string): Promise<string | undefined>;
  /** Entity keys held per view. */
  counts(): Promise<Record<string, number>>;
  /** Remove every value of these views. */
  purge(views: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
