/**
 * The drift report's script, run in the browser. It reads the columns the page
 * embeds (page-data.ts), builds the table rows in one pass, and gives the table
 * search, sort and a "drifted only" filter; a column's card (chart, every
 * statistic, what moved) is built the first time it is opened. A report over
 * thousands of columns so opens about as fast as a small one: no card exists until
 * someone asks for it.
 *
 * Sent to the browser as source text (render.ts), so it must stay self-contained:
 * no imports at run time and no names from outside its body. Its helpers arrive as
 * arguments, also as source text.
 */
import type { driftCharts, PageChart } from './charts.js';
import type { reportFormat } from './format.js';
import type { PageColumn, PageData } from './page-data.js';

/* The few DOM members used below: the project compiles without the DOM library. */
interface PageElement {
  innerHTML: string;
  textContent: string | null;
  className: string;
  readonly children: ArrayLike<PageElement>;
  readonly dataset: Record<string, string | undefined>;
  addEventListener(type: string, listener: (event: { target: PageElement }) => void): void;
  after(node: PageElement): void;
  remove(): void;
  replaceChildren(...nodes: PageElement[]): void;
  append(...nodes: PageElement[]): void;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
  closest(selector: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  scrollIntoView(options?: { block?: string }): void;
}
interface PageInput extends PageElement {
  value: string;
  checked: boolean;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  createElement(tag: string): PageElement;
  createDocumentFragment(): PageElement;
};
declare const location: { hash: string };
declare const IntersectionObserver:
  | (new (
      callback: (entries: { isIntersecting: boolean; target: PageElement }[]) => void,
      options: { rootMargin: string },
    ) => { observe(el: PageElement): void; unobserve(el: PageElement): void })
  | undefined;
declare const history: { replaceState(state: null, title: string, url: string): void };

/** Cards of drifted columns open by themselves when there are at most this many. */
export const OPEN_DRIFTED_MAX = 5;

/** Table rows drawn at first, and added per "show more" (drawing all 3,000 costs seconds). */
export const PAGE_ROWS = 200;

export function driftReportPage(
  makeFormat: typeof reportFormat,
  makeCharts: typeof driftCharts,
  openDriftedMax: number,
  pageRows: number,
): void {
  const f = makeFormat();
  const charts = makeCharts(f);
  const byId = <T extends PageElement = PageElement>(id: string): T => {
    const el = document.getElementById(id);
    if (!el) throw new Error(`the report page has no #${id}`);
    return el as T;
  };
  const { meta, cols } = JSON.parse(byId('drift-data').textContent ?? '') as PageData;
  const tbody = byId('rows');
  const search = byId<PageInput>('search');
  const onlyDrifted = byId<PageInput>('only-drifted');
  const shown = byId('shown');
  const pvalue = new Set(meta.pvalue);
  const SEVERITY: Record<string, number> = { none: 0, low: 1, medium: 2, high: 3 };

  // ---------------------------------------------------------------- rows

  function comparison(c: PageColumn): string {
    const p = pvalue.has(c.t);
    if (p) return c.d ? '&lt;' : '≥';
    return c.d ? '≥' : '&lt;';
  }

  function statusCell(c: PageColumn): string {
    if (c.st === 'ok') return c.d ? '<b class="yes">yes</b>' : '<span class="no">no</span>';
    return `<span class="muted">${f.esc(c.st === 'left-out' ? 'left out' : c.st)}</span>`;
  }

  function severityBadge(s: string | null): string {
    if (s === null) return '<span class="muted">–</span>';
    return `<span class="sev sev-${f.esc(s)}">${f.esc(s)}</span>`;
  }

  function rowHtml(c: PageColumn, i: number): string {
    const cls = c.d ? 'drifted' : c.st === 'ok' ? '' : 'unchecked';
    const threshold = c.h === null ? '–' : `${pvalue.has(c.t) ? '&lt; ' : '≥ '}${f.num(c.h)}`;
    return (
      `<tr class="${cls}" data-i="${i}"><td><button type="button" class="col" data-i="${i}" aria-expanded="false">${f.esc(c.n)}</button>` +
      `${c.r ? ` <span class="role">${f.esc(c.r)}</span>` : ''}</td>` +
      `<td>${f.esc(c.k || '–')}</td><td>${f.esc(c.t || '–')}</td><td class="r">${f.num(c.s)}</td>` +
      `<td class="r">${threshold}</td><td>${statusCell(c)}</td><td>${severityBadge(c.sv)}</td>` +
      `<td class="r">${f.num(c.p)}</td><td class="th"><i class="slot"></i></td></tr>`
    );
  }

  /** row elements, built the first time they are shown */
  const rows: (PageElement | null)[] = cols.map(() => null);
  const cards: (PageElement | null)[] = cols.map(() => null);
  const open = cols.map(() => false);

  /**
   * Draw a row's thumbnail into its last cell, in place of the empty slot that held
   * its space: a row keeps its height, so what is below it (the "show more" button
   * under a pointer) does not move while thumbnails are drawn on scrolling.
   */
  function drawThumb(row: PageElement): void {
    const cell = row.querySelector('td.th');
    if (!cell) return;
    cell.className = '';
    const svg = charts.spark(cols[Number(row.dataset.i)].c);
    if (svg !== '') cell.innerHTML = svg;
  }

  // thumbnails are drawn for the rows near the screen: thousands of small SVGs
  // cost more than the rest of the table
  const thumbs =
    typeof IntersectionObserver === 'undefined'
      ? null
      : new IntersectionObserver(
          (entries) => {
            for (const e of entries) {
              if (!e.isIntersecting) continue;
              thumbs?.unobserve(e.target);
              drawThumb(e.target);
            }
          },
          { rootMargin: '600px 0px' },
        );

  function buildRows(list: number[]): void {
    const missing = list.filter((i) => rows[i] === null);
    if (missing.length === 0) return;
    const scratch = document.createElement('tbody');
    scratch.innerHTML = missing.map((i) => rowHtml(cols[i], i)).join('');
    const built = Array.from(scratch.children);
    missing.forEach((i, k) => {
      rows[i] = built[k];
      if (thumbs) thumbs.observe(built[k]);
      else drawThumb(built[k]);
    });
  }

  // ---------------------------------------------------------------- cards

  function movedText(c: PageColumn): string {
    if (c.k === 'numeric') {
      const m0 = c.rs?.mean;
      const m1 = c.cs?.mean;
      if (m0 === undefined || m0 === null || m1 === undefined || m1 === null) return '';
      const sd = c.rs?.std ?? 0;
      const inSd = sd > 0 ? ` (${m1 >= m0 ? '+' : ''}${f.num((m1 - m0) / sd)} sd)` : '';
      return ` · mean ${f.num(m0)} → ${f.num(m1)}${inSd}`;
    }
    const top = c.cat?.[0];
    if (!top) return '';
    return ` · most moved: <code>${f.esc(top[0])}</code> ${f.pct(top[1])} → ${f.pct(top[2])}`;
  }

  function sidesTable(c: PageColumn): string {
    const nullShare = (s: [number, number] | undefined): string =>
      !s || s[0] + s[1] === 0 ? '–' : f.pct(s[1] / (s[0] + s[1]));
    const lines: [string, string, string][] = [
      ['values', f.int(c.rc?.[0] ?? 0), f.int(c.cc?.[0] ?? 0)],
      ['nulls', nullShare(c.rc), nullShare(c.cc)],
    ];
    const fields =
      c.k === 'numeric'
        ? (['mean', 'std', 'min', 'median', 'max', 'distinct'] as const)
        : (['distinct'] as const);
    for (const k of fields) {
      const a = c.rs?.[k];
      const b = c.cs?.[k];
      if ((a === undefined || a === null) && (b === undefined || b === null)) continue;
      lines.push([k, f.num(a), f.num(b)]);
    }
    return `<table class="sides"><thead><tr><th></th><th class="r">reference</th><th class="r">current</th></tr></thead><tbody>${lines
      .map(([k, a, b]) => `<tr><th>${k}</th><td class="r">${a}</td><td class="r">${b}</td></tr>`)
      .join('')}</tbody></table>`;
  }

  function statsTable(c: PageColumn): string {
    const z =
      c.t === 'z' && c.st === 'ok'
        ? `<tr class="deciding"><th>z-test p-value</th><td class="r">${f.num(c.s)}</td></tr>`
        : '';
    const body = Object.entries(c.x ?? {})
      .map(([k, v]) => {
        const label =
          k === 'psi' && c.k === 'categorical' ? 'PSI (per category)' : (meta.stats[k] ?? k);
        return `<tr${meta.deciding[c.t] === k ? ' class="deciding"' : ''}><th>${f.esc(label)}</th><td class="r">${f.num(v)}</td></tr>`;
      })
      .join('');
    return `<table class="stats"><tbody>${z}${body}</tbody></table>`;
  }

  function categoriesTable(c: PageColumn): string {
    if (!c.cat || c.cat.length === 0) return '';
    return `<details class="cats"><summary>categories that moved most</summary><table><thead><tr><th>category</th><th class="r">reference</th><th class="r">current</th><th class="r">change</th><th class="r">PSI term</th></tr></thead><tbody>${c.cat
      .map(
        ([name, ref, cur, psi]) =>
          `<tr><td>${f.esc(name)}</td><td class="r">${f.pct(ref)}</td><td class="r">${f.pct(cur)}</td><td class="r">${cur >= ref ? '+' : ''}${((cur - ref) * 100).toFixed(1)} pt</td><td class="r">${f.num(psi)}</td></tr>`,
      )
      .join('')}</tbody></table></details>`;
  }

  function cardHtml(c: PageColumn): string {
    const tags =
      (c.k ? `<span class="tag">${f.esc(c.k)}</span>` : '') +
      (c.r ? `<span class="tag">${f.esc(c.r)}</span>` : '') +
      (c.st === 'ok'
        ? c.d
          ? '<span class="tag bad">drifted</span>'
          : ''
        : `<span class="tag muted">${f.esc(c.st === 'left-out' ? 'left out' : c.st)}</span>`) +
      (c.st === 'left-out' ? '' : severityBadge(c.sv));
    const head = `<div class="card-head"><h3>${f.esc(c.n)}</h3>${tags}</div>`;
    if (c.st === 'left-out') {
      return `${head}<p class="decision muted">Not profiled when the baseline was created: ${f.esc(c.m ?? '')}.</p>`;
    }
    const decision =
      c.st === 'ok'
        ? `<p class="decision ${c.d ? 'bad' : 'good'}">${f.esc(meta.tests[c.t] ?? c.t)} = <b>${f.num(c.s)}</b> ${comparison(c)} ${f.num(c.h)}: ${c.d ? 'drifted' : 'no drift'}${movedText(c)}</p>`
        : `<p class="decision muted">${f.esc(c.m ?? c.st)}</p>`;
    const chart: PageChart | undefined = c.c;
    const drawn = chart
      ? charts.chart(chart)
      : `<div class="nochart">${f.esc(c.m ?? 'nothing to draw')}</div>`;
    const unseen = c.un
      ? `<p class="unseen"><b>${c.un[0]}</b> categor${c.un[0] === 1 ? 'y' : 'ies'} never seen in the reference: ${c.un[1]
          .map((u) => `<code>${f.esc(u)}</code>`)
          .join(' ')}${c.un[0] > c.un[1].length ? ' …' : ''}</p>`
      : '';
    const approx =
      c.ap === undefined
        ? ''
        : `<p class="note">${
            c.ap === 1
              ? 'Categories beyond the kept top-K are compared as “(other)”.'
              : `Reference summarised by a KLL sketch: KS within ±${f.num(c.ap.ks_statistic)}, Wasserstein within ±${f.num(c.ap.wasserstein)}, PSI within ±${f.num(c.ap.psi)} of exact (99%).`
          }</p>`;
    return `${head}${decision}<div class="card-body"><div class="chart-wrap">${drawn}</div><div class="side">${statsTable(c)}${sidesTable(c)}</div></div>${categoriesTable(c)}${unseen}${approx}`;
  }

  function cardRow(i: number): PageElement {
    let tr = cards[i];
    if (!tr) {
      tr = document.createElement('tr');
      tr.className = 'detail';
      tr.innerHTML = `<td colspan="9"><section class="card${cols[i].d ? ' drifted' : ''}" data-card="${i}">${cardHtml(cols[i])}</section></td>`;
      cards[i] = tr;
    }
    return tr;
  }

  /** Open or close a column's card (its row must be shown). */
  function setOpen(i: number, on: boolean): void {
    const row = rows[i];
    if (open[i] === on || !row) return;
    open[i] = on;
    row.querySelector('button.col')?.setAttribute('aria-expanded', String(on));
    if (on) row.after(cardRow(i));
    else cards[i]?.remove();
  }

  // ---------------------------------------------------------------- search, filter, sort

  type Key =
    'rank' | 'name' | 'kind' | 'test' | 'score' | 'threshold' | 'drifted' | 'severity' | 'psi';
  let sortKey: Key = 'rank';
  let sortDir = 1;
  /** the first click on these sorts the biggest first */
  const DESCENDING_FIRST = new Set<Key>(['drifted', 'severity', 'psi']);

  function keyOf(c: PageColumn, key: Key): number | string | null {
    switch (key) {
      case 'name':
        return c.n.toLowerCase();
      case 'kind':
        return c.k || null;
      case 'test':
        return c.t || null;
      case 'score':
        return c.s;
      case 'threshold':
        return c.h;
      case 'drifted':
        return c.st === 'ok' ? c.d : null;
      case 'severity':
        return c.sv === null ? null : (SEVERITY[c.sv] ?? null);
      case 'psi':
        return c.p;
      default:
        return null;
    }
  }

  function ordered(indexes: number[]): number[] {
    if (sortKey === 'rank') return sortDir > 0 ? indexes : indexes.reverse();
    const keys = cols.map((c) => keyOf(c, sortKey));
    return indexes.sort((a, b) => {
      const x = keys[a];
      const y = keys[b];
      // not checked (no value) last, whichever the direction
      if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
      const d = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
      return d === 0 ? a - b : d * sortDir;
    });
  }

  /** the columns the search and filter let through, in the chosen order */
  let listed: number[] = cols.map((_, i) => i);
  /** rows shown: the first `limit` of `listed`; more on request or on scrolling down */
  let limit = pageRows;
  const more = document.createElement('tr');
  more.className = 'more';

  function render(): void {
    const visible = listed.slice(0, limit);
    buildRows(visible);
    const fragment = document.createDocumentFragment();
    for (const i of visible) {
      fragment.append(rows[i]!);
      const card = cards[i];
      if (open[i] && card) fragment.append(card);
    }
    const left = listed.length - visible.length;
    if (left > 0) {
      more.innerHTML = `<td colspan="9"><button type="button" data-more="page">show ${f.int(Math.min(pageRows, left))} more</button> <button type="button" data-more="all">show all ${f.int(listed.length)}</button> <span class="muted">${f.int(left)} not shown yet</span></td>`;
      fragment.append(more);
    }
    tbody.replaceChildren(fragment);
    shown.textContent =
      listed.length === cols.length
        ? `${f.int(cols.length)} column${cols.length === 1 ? '' : 's'}`
        : `${f.int(listed.length)} of ${f.int(cols.length)} columns`;
  }

  function apply(): void {
    const q = search.value.trim().toLowerCase();
    const only = onlyDrifted.checked;
    const picked: number[] = [];
    for (let i = 0; i < cols.length; i++) {
      if (only && !cols[i].d) continue;
      if (q !== '' && !cols[i].n.toLowerCase().includes(q)) continue;
      picked.push(i);
    }
    listed = ordered(picked);
    limit = pageRows;
    render();
  }

  function sortBy(key: Key): void {
    if (key === sortKey) sortDir = -sortDir;
    else {
      sortKey = key;
      sortDir = DESCENDING_FIRST.has(key) ? -1 : 1;
    }
    const heads = byId('heads').querySelectorAll('th[data-sort]');
    for (let i = 0; i < heads.length; i++) {
      const th = heads[i];
      if (th.dataset.sort === sortKey) {
        th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      } else th.removeAttribute('aria-sort');
    }
    apply();
  }

  tbody.addEventListener('click', (event) => {
    const extra = event.target.closest('button[data-more]');
    if (extra) {
      limit = extra.dataset.more === 'all' ? listed.length : limit + pageRows;
      render();
      return;
    }
    const button = event.target.closest('button.col');
    if (!button) return;
    const i = Number(button.dataset.i);
    setOpen(i, !open[i]);
    if (open[i]) history.replaceState(null, '', `#column=${encodeURIComponent(cols[i].n)}`);
  });
  byId('heads').addEventListener('click', (event) => {
    const th = event.target.closest('th[data-sort]');
    if (th?.dataset.sort) sortBy(th.dataset.sort as Key);
  });
  search.addEventListener('input', apply);
  onlyDrifted.addEventListener('change', apply);

  // (a browser restores form fields on reload: apply what they say)
  apply();

  let wanted: string | null = null;
  try {
    if (location.hash.startsWith('#column=')) wanted = decodeURIComponent(location.hash.slice(8));
  } catch {
    // a malformed link opens nothing
  }
  const linked = wanted === null ? -1 : cols.findIndex((c) => c.n === wanted);
  if (linked >= 0) {
    if (!listed.includes(linked)) {
      search.value = '';
      onlyDrifted.checked = false;
      apply();
    }
    const at = listed.indexOf(linked);
    if (at >= limit) {
      limit = Math.ceil((at + 1) / pageRows) * pageRows;
      render();
    }
    setOpen(linked, true);
    rows[linked]?.scrollIntoView({ block: 'start' });
  } else {
    const drifted = cols.map((c, i) => (c.d ? i : -1)).filter((i) => i >= 0);
    if (drifted.length <= openDriftedMax) for (const i of drifted) setOpen(i, true);
  }
}
