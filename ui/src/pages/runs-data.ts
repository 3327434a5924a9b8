/**
 * The runs table's data: windows of 200 rows fetched as they scroll into view, kept
 * per query, re-read when the store changes. The server keeps the ordering, so a
 * window costs the rows it holds, whatever the total.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getJson, type RunRow, type RunsPage } from '../api.js';
import { useLive } from '../live.js';

export const PAGE = 200;

export interface RunsQuery {
  filter: string;
  sort: string[];
  group: string;
  cols: string[];
}

export interface RunsData {
  total: number | null;
  groups?: RunsPage['groups'];
  row(index: number): RunRow | undefined;
  /** make sure the rows [from, to) are loaded or loading */
  want(from: number, to: number): void;
  error: { message: string; hint?: string } | null;
  /** bumps when rows arrive (to re-render) */
  version: number;
}

const keyOf = (q: RunsQuery): string => JSON.stringify(q);

export function useRunsData(query: RunsQuery): RunsData {
  const key = keyOf(query);
  const state = useRef({
    key,
    pages: new Map<number, RunRow[]>(),
    loading: new Set<number>(),
    total: null as number | null,
    groups: undefined as RunsPage['groups'],
    wanted: [0, PAGE] as [number, number],
  });
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<RunsData['error']>(null);
  const bump = useCallback(() => setVersion((v) => v + 1), []);

  const load = useCallback(
    (page: number, fresh = false) => {
      const s = state.current;
      if (!fresh && (s.pages.has(page) || s.loading.has(page))) return;
      s.loading.add(page);
      const forKey = s.key;
      getJson<RunsPage>('runs', {
        filter: query.filter,
        sort: query.sort,
        group: query.group,
        col: query.cols,
        offset: page * PAGE,
        limit: PAGE,
      }).then(
        (res) => {
          if (state.current.key !== forKey) return; // a newer query took over
          s.loading.delete(page);
          s.pages.set(page, res.rows);
          s.total = res.total;
          s.groups = res.groups;
          setError(null);
          bump();
        },
        (err: Error & { hint?: string }) => {
          if (state.current.key !== forKey) return;
          s.loading.delete(page);
          setError({ message: err.message, hint: err.hint });
          bump();
        },
      );
    },
    // the query is part of the key: a new key resets the state below
    [key, bump],
  );

  useEffect(() => {
    const s = state.current;
    s.key = key;
    s.pages = new Map();
    s.loading = new Set();
    s.total = null;
    performance.mark('mlo:runs:query');
    load(0, true);
  }, [key, load]);

  // the store changed: re-read the pages in view, keeping the old rows until they arrive
  useLive(() => {
    const s = state.current;
    const [from, to] = s.wanted;
    const keep = new Set<number>();
    for (let p = Math.floor(from / PAGE); p * PAGE < to; p++) keep.add(p);
    keep.add(0);
    for (const p of [...s.pages.keys()]) if (!keep.has(p)) s.pages.delete(p);
    for (const p of keep) load(p, true);
  });

  return {
    total: state.current.total,
    groups: state.current.groups,
    row: (i) => state.current.pages.get(Math.floor(i / PAGE))?.[i % PAGE],
    want: (from, to) => {
      state.current.wanted = [from, to];
      for (let p = Math.floor(from / PAGE); p * PAGE < to; p++) load(p);
    },
    error,
    version,
  };
}
