/**
 * Progress events from long library operations. The library only emits them; the
 * CLI decides whether to draw a bar (stderr is a TTY) or stay quiet.
 */
export interface ProgressEvent {
  /** what is happening, e.g. "hashing", "pushing" */
  phase: string;
  done: number;
  total: number;
  unit: 'bytes' | 'files' | 'objects' | 'rows' | 'items';
  /** alongside a byte count: how many of the objects are done (transfers) */
  objects?: { done: number; total: number };
}

export type ProgressFn = (event: ProgressEvent) => void;
