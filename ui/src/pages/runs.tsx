/**
 * Every run in one virtualised table: columns from a picker, the filter language of
 * `mlo runs list`, sorting by any column, grouping by experiment, stage, sweep or a
 * tag, selection for the compare view. The URL holds all of it.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getJson, type RunKeys, type RunRow } from '../api.js';
import { ColumnPicker } from '../components/column-picker.js';
import { groupKey, ItemIndex, visibleRange } from '../components/virtual-list.js';
import { fmtDuration, fmtTime, fmtValue } from '../format.js';
import { useLive } from '../live.js';
import { navigate, type Route } from '../route.js';
import { useRunsData, type RunsQuery } from './runs-data.js';

const ROW_H = 28;

type RowAction = 'open' | 'toggle';

interface Column {
  id: string;
  label: string;
  width: number;
  /** the sort key when clicked */
  sort?: string;
  num?: boolean;
  render: (r: RunRow, i: number) => string;
}

const FIXED: Column[] = [
  { id: 'name', label: 'run', width: 190, sort: 'name', render: (r) => r.name },
  {
    id: 'experiment',
    label: 'experiment',
    width: 120,
    sort: 'experiment',
    render: (r) => r.experiment,
  },
  { id: 'status', label: 'status', width: 80, sort: 'status', render: (r) => r.status },
  { id: 'stage', label: 'stage', width: 90, sort: 'stage', render: (r) => r.stage ?? '' },
  { id: 'start', label: 'started', width: 165, sort: 'start', render: (r) => fmtTime(r.start) },
  {
    id: 'duration',
    label: 'duration',
    width: 80,
    sort: 'duration',
    num: true,
    render: (r) => fmtDuration(((r.end ?? Date.now()) - r.start) / 1000),
  },
];

const GROUPS = [
  ['', 'no grouping'],
  ['experiment', 'experiment'],
  ['stage', 'stage'],
  ['sweep', 'sweep'],
  ['status', 'status'],
] as const;

export function queryFromRoute(route: Route): RunsQuery & { sel: string[] } {
  const q = route.query;
  return {
    filter: q.get('filter') ?? '',
    sort: q.getAll('sort'),
    group: q.get('group') ?? '',
    cols: q.getAll('col'),
    sel: (q.get('sel') ?? '').split(',').filter(Boolean),
  };
}

function defaultColumns(keys: RunKeys | null): string[] {
  if (!keys) return [];
  return [
    ...keys.metrics.slice(0, 4).map((k) => `metrics.${k}`),
    ...keys.params.slice(0, 3).map((k) => `params.${k}`),
  ];
}

export function RunsPage({ route }: { route: Route }) {
  const q = queryFromRoute(route);
  const [keys, setKeys] = useState<RunKeys | null>(null);
  const loadKeys = (): void => void getJson<RunKeys>('keys').then(setKeys, () => undefined);
  useEffect(loadKeys, []);
  useLive(loadKeys, 5000);
  const cols = q.cols.length ? q.cols : defaultColumns(keys);
  const query: RunsQuery = { filter: q.filter, sort: q.sort, group: q.group, cols };
  const data = useRunsData(query);
  const [draft, setDraft] = useState(q.filter);
  useEffect(() => setDraft(q.filter), [q.filter]);
  const [picker, setPicker] = useState(false);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [cursor, setCursor] = useState(0);
  // Enter, space or x on a row whose data has not arrived yet (the page just opened, or
  // the default columns just changed the query) acts on it when it arrives instead of
  // being lost. Moving the cursor or changing the query forgets it.
  const pending = useRef<{ pos: number; act: RowAction } | null>(null);
  const filterRef = useRef<HTMLInputElement>(null);

  const set = (patch: Partial<ReturnType<typeof queryFromRoute>>, replace = true): void => {
    pending.current = null;
    const next = { ...q, cols: q.cols.length ? q.cols : cols, ...patch };
    navigate(
      ['runs'],
      {
        filter: next.filter,
        sort: next.sort,
        group: next.group,
        col: next.cols,
        sel: next.sel.join(','),
      },
      replace,
    );
  };
  const selected = new Set(q.sel);
  const toggle = (id: string): void =>
    set({ sel: selected.has(id) ? q.sel.filter((x) => x !== id) : [...q.sel, id] });

  const columns: Column[] = [
    ...FIXED,
    ...cols.map((c, k) => ({
      id: c,
      label: c.replace(/^(metrics|params|tags)\./, ''),
      width: 110,
      sort: c,
      num: c.startsWith('metrics.'),
      render: (r: RunRow) => fmtValue(r.values[k]),
    })),
  ];
  const width = 34 + columns.reduce((a, c) => a + c.width, 0);
  const index = useMemo(
    () => new ItemIndex(data.total ?? 0, data.groups, collapsed),
    [data.total, data.groups, collapsed],
  );

  const scroller = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 600 });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const on = (): void => setViewport({ top: el.scrollTop, height: el.clientHeight });
    on();
    el.addEventListener('scroll', on, { passive: true });
    const ro = new ResizeObserver(on);
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', on);
      ro.disconnect();
    };
  }, []);
  const { from, to } = visibleRange(
    Math.max(0, viewport.top - ROW_H),
    viewport.height,
    ROW_H,
    index.length,
  );
  const items = [];
  let firstRow = Infinity;
  let lastRow = -1;
  for (let pos = from; pos < to; pos++) {
    const it = index.item(pos);
    items.push({ pos, it });
    if (it.kind === 'row') {
      firstRow = Math.min(firstRow, it.index);
      lastRow = Math.max(lastRow, it.index);
    }
  }
  useEffect(() => {
    if (lastRow >= 0) data.want(firstRow, lastRow + 1);
  });
  // time from a query change to its first rows on screen (bench/ui-page.mjs reads it)
  const shownKey = useRef('');
  useEffect(() => {
    const k = JSON.stringify(query);
    if (data.total !== null && shownKey.current !== k && (data.total === 0 || data.row(0))) {
      shownKey.current = k;
      performance.mark('mlo:runs:rendered');
      try {
        performance.measure('mlo:runs', 'mlo:runs:query', 'mlo:runs:rendered');
      } catch {
        // the query mark was cleared by the bench between runs
      }
    }
  });

  const clickSort = (c: Column, add: boolean): void => {
    if (!c.sort) return;
    const cur = q.sort.find((s) => s.replace(/:(asc|desc)$/, '') === c.sort);
    const next = !cur ? `${c.sort}:desc` : cur.endsWith(':desc') ? `${c.sort}:asc` : null;
    const rest = add ? q.sort.filter((s) => s !== cur) : [];
    set({ sort: next ? [...rest, next] : rest });
  };
  const sortMark = (c: Column): string => {
    const cur = q.sort.find((s) => s.replace(/:(asc|desc)$/, '') === c.sort);
    return cur ? (cur.endsWith(':asc') ? ' ▲' : ' ▼') : '';
  };

  const openAt = (pos: number): boolean => {
    const it = index.item(pos);
    if (it.kind === 'group') {
      toggleGroup(it.group);
      return true;
    }
    const r = data.row(it.index);
    if (r) navigate(['run', r.id]);
    return r !== undefined;
  };
  const toggleAt = (pos: number): boolean => {
    const it = index.item(pos);
    if (it.kind === 'group') return true; // nothing to select on a group's heading
    const r = data.row(it.index);
    if (r) toggle(r.id);
    return r !== undefined;
  };
  const actAt = (act: RowAction, pos: number): boolean =>
    act === 'open' ? openAt(pos) : toggleAt(pos);
  const actOnCursor = (act: RowAction): void => {
    const p = pending.current;
    // a second toggle of the same waiting row undoes the first, as it would on a loaded one
    if (act === 'toggle' && p?.act === 'toggle' && p.pos === cursor) pending.current = null;
    else pending.current = actAt(act, cursor) ? null : { pos: cursor, act };
  };
  useEffect(() => {
    const p = pending.current;
    if (p === null || data.total === null) return;
    if (p.pos >= index.length || actAt(p.act, p.pos)) pending.current = null;
  });
  const toggleGroup = (g: number): void => {
    const k = groupKey(data.groups?.[g]?.value ?? null);
    const next = new Set(collapsed);
    if (next.has(k)) next.delete(k);
    else next.add(k);
    setCollapsed(next);
  };
  const moveCursor = (to: number): void => {
    pending.current = null;
    const c = Math.max(0, Math.min(index.length - 1, to));
    setCursor(c);
    const el = scroller.current;
    if (!el) return;
    const top = (c + 1) * ROW_H;
    if (top < el.scrollTop + ROW_H) el.scrollTop = top - ROW_H;
    else if (top + ROW_H > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_H - el.clientHeight;
  };
  const onKey = (e: KeyboardEvent): void => {
    const page = Math.max(1, Math.floor(viewport.height / ROW_H) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => moveCursor(cursor + 1),
      j: () => moveCursor(cursor + 1),
      ArrowUp: () => moveCursor(cursor - 1),
      k: () => moveCursor(cursor - 1),
      PageDown: () => moveCursor(cursor + page),
      PageUp: () => moveCursor(cursor - page),
      Home: () => moveCursor(0),
      End: () => moveCursor(index.length - 1),
      Enter: () => actOnCursor('open'),
      ' ': () => actOnCursor('toggle'),
      c: () => q.sel.length >= 2 && compare(),
    };
    keys.x = keys[' '];
    const f = keys[e.key];
    if (f && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      f();
    }
  };
  useEffect(() => {
    const on = (e: KeyboardEvent): void => {
      const t = e.target as HTMLElement;
      if (e.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName)) {
        e.preventDefault();
        filterRef.current?.focus();
      }
    };
    addEventListener('keydown', on);
    return () => removeEventListener('keydown', on);
  }, []);
  const compare = (): void => navigate(['compare'], { run: q.sel });

  return (
    <main class="fill">
      <div class="toolbar">
        <div class="grow">
          <input
            ref={filterRef}
            class={`filter${data.error ? ' invalid' : ''}`}
            aria-label="filter"
            placeholder="filter, e.g. metrics.acc > 0.8 and params.model = 'rf'   (press / to focus)"
            value={draft}
            onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') set({ filter: draft.trim() });
              if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
            }}
          />
        </div>
        <label>
          group{' '}
          <select
            aria-label="group"
            value={q.group}
            onChange={(e) => set({ group: (e.target as HTMLSelectElement).value })}
          >
            {GROUPS.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
            {(keys?.tags ?? [])
              .filter((t) => t !== 'mlo.sweep')
              .slice(0, 200)
              .map((t) => (
                <option key={t} value={`tags.${t}`}>
                  tag {t}
                </option>
              ))}
            {q.group && !GROUPS.some(([v]) => v === q.group) && !q.group.startsWith('tags.') && (
              <option value={q.group}>{q.group}</option>
            )}
          </select>
        </label>
        <span style={{ position: 'relative' }}>
          <button onClick={() => setPicker(!picker)} aria-expanded={picker}>
            columns ({cols.length})
          </button>
          {picker && keys && (
            <ColumnPicker
              keys={keys}
              chosen={cols}
              onChange={(c) => set({ cols: c })}
              onClose={() => setPicker(false)}
            />
          )}
        </span>
        <button class="primary" disabled={q.sel.length < 2} onClick={compare} title="compare (c)">
          compare {q.sel.length || ''}
        </button>
        {q.sel.length > 0 && <button onClick={() => set({ sel: [] })}>clear selection</button>}
        <span class="muted" aria-live="polite" data-testid="total">
          {data.total === null
            ? 'loading…'
            : `${data.total.toLocaleString()} run${data.total === 1 ? '' : 's'}`}
        </span>
      </div>
      {data.error && (
        <div class="error-box" role="alert">
          {data.error.message}
          {data.error.hint ? `\n${data.error.hint}` : ''}
        </div>
      )}
      <div
        class="vt"
        ref={scroller}
        tabIndex={0}
        role="grid"
        aria-rowcount={index.length}
        aria-label="runs"
        onKeyDown={onKey}
      >
        <div class="vt-head" style={{ width: `${width}px` }} role="row">
          <span class="cell" style={{ width: '34px' }} />
          {columns.map((c) => (
            <span
              key={c.id}
              role="columnheader"
              class={`cell${c.num ? ' num' : ''}`}
              style={{ width: `${c.width}px` }}
              title={`${c.id} (click to sort, shift-click to add)`}
              onClick={(e) => clickSort(c, e.shiftKey)}
            >
              {c.label}
              {sortMark(c)}
            </span>
          ))}
        </div>
        <div class="vt-body" style={{ height: `${index.length * ROW_H}px`, width: `${width}px` }}>
          {items.map(({ pos, it }) => {
            const style = { top: `${pos * ROW_H}px`, width: `${width}px` };
            if (it.kind === 'group') {
              const g = data.groups?.[it.group];
              const open = !collapsed.has(groupKey(g?.value ?? null));
              return (
                <div
                  key={`g${pos}`}
                  class={`vt-row group${pos === cursor ? ' cursor' : ''}`}
                  style={style}
                  role="row"
                  onClick={() => toggleGroup(it.group)}
                >
                  <span class="cell">
                    {open ? '▾' : '▸'} {g?.value ?? '(none)'}{' '}
                    <span class="muted">{g?.count.toLocaleString()} runs</span>
                  </span>
                </div>
              );
            }
            const r = data.row(it.index);
            if (!r)
              return (
                <div key={`r${pos}`} class="vt-row" style={style} role="row">
                  <span class="cell muted">…</span>
                </div>
              );
            return (
              <div
                key={`r${pos}`}
                class={`vt-row${selected.has(r.id) ? ' sel' : ''}${pos === cursor ? ' cursor' : ''}`}
                style={style}
                role="row"
                data-run={r.id}
                onClick={() => setCursor(pos)}
              >
                <span class="cell" style={{ width: '34px' }}>
                  <input
                    type="checkbox"
                    aria-label={`select ${r.name}`}
                    checked={selected.has(r.id)}
                    onChange={() => toggle(r.id)}
                  />
                </span>
                {columns.map((c) =>
                  c.id === 'name' ? (
                    <span key={c.id} class="cell" style={{ width: `${c.width}px` }}>
                      <a href={`#/run/${r.id}`}>{r.name}</a>
                    </span>
                  ) : (
                    <span
                      key={c.id}
                      class={`cell${c.num ? ' num' : ''}${c.id === 'status' ? ` status-${r.status}` : ''}`}
                      style={{ width: `${c.width}px` }}
                    >
                      {c.render(r, it.index)}
                    </span>
                  ),
                )}
              </div>
            );
          })}
        </div>
      </div>
      <div class="muted" style={{ marginTop: '4px' }}>
        keys: / filter · ↑↓ or j k move · space select · enter open · c compare · shift-click a
        header to sort by several columns
      </div>
    </main>
  );
}
