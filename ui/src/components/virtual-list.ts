/**
 * The arithmetic of a virtualised list with collapsible groups: which item (a group
 * header or a run) sits at a position, and which items a scrolled viewport shows.
 * Kept free of the DOM so it is tested on its own.
 */

export interface Group {
  value: string | null;
  count: number;
}

export type Item = { kind: 'group'; group: number } | { kind: 'row'; index: number; group: number };

export class ItemIndex {
  /** item position of each group's header */
  private readonly headerAt: number[] = [];
  /** ordering offset of each group's first run */
  private readonly firstRow: number[] = [];
  readonly length: number;

  constructor(
    readonly total: number,
    readonly groups: readonly Group[] | undefined,
    collapsed: ReadonlySet<string> = new Set(),
  ) {
    if (!groups) {
      this.length = total;
      return;
    }
    let item = 0;
    let row = 0;
    for (const g of groups) {
      this.headerAt.push(item);
      this.firstRow.push(row);
      item += 1 + (collapsed.has(groupKey(g.value)) ? 0 : g.count);
      row += g.count;
    }
    this.length = item;
  }

  item(pos: number): Item {
    if (!this.groups) return { kind: 'row', index: pos, group: -1 };
    let lo = 0;
    let hi = this.headerAt.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.headerAt[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    const within = pos - this.headerAt[lo];
    if (within === 0) return { kind: 'group', group: lo };
    return { kind: 'row', index: this.firstRow[lo] + within - 1, group: lo };
  }
}

export const groupKey = (value: string | null): string => (value === null ? '\u0000null' : value);

/** The item positions to render for a viewport, with `overscan` items either side. */
export function visibleRange(
  scrollTop: number,
  height: number,
  rowHeight: number,
  length: number,
  overscan = 10,
): { from: number; to: number } {
  const first = Math.floor(scrollTop / rowHeight);
  const last = Math.ceil((scrollTop + height) / rowHeight);
  return { from: Math.max(0, first - overscan), to: Math.min(length, last + overscan) };
}
