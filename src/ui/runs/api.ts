/**
 * The runs table's API: one window of the ordered, filtered runs with the columns a
 * view shows; the keys a column picker offers; the facets a group-by offers.
 */
import { MloError } from '../../errors.js';
import { listRunKeys, type FieldRef, type RunListRow, type SortKey } from '../../store/index.js';
import { parseFieldRef, parseFilter, parseSortKey } from '../../tracking/index.js';
import type { UiContext } from '../context.js';
import { intParam, listParam } from '../query.js';

/** The largest window one request reads. */
export const MAX_WINDOW = 1000;
export const SWEEP_TAG = 'mlo.sweep';

export interface RunsPage {
  total: number;
  offset: number;
  /** the store generation the ordering was computed at */
  generation: string;
  /** consecutive groups of the whole ordering, when grouped */
  groups?: { value: string | null; count: number }[];
  /** the columns of `values`, as given */
  columns: string[];
  rows: {
    id: string;
    name: string;
    experiment: string;
    status: string;
    stage: string | null;
    /** epoch ms */
    start: number;
    end: number | null;
    values: (string | number | null)[];
  }[];
}

/** `experiment`, `stage`, `status`, `sweep` (the mlo.sweep tag), `tags.KEY`, `params.KEY`. */
export function parseGroup(spec: string): FieldRef {
  const s = spec.trim();
  if (s === 'sweep') return { kind: 'tag', key: SWEEP_TAG };
  const field = parseFieldRef(s, 'group');
  const ok =
    field.kind === 'tag' ||
    field.kind === 'param' ||
    (field.kind === 'attr' && ['experiment', 'stage', 'status'].includes(field.name));
  if (!ok) {
    throw new MloError('USAGE', `group: cannot group by ${s}`, {
      hint: 'group by experiment, stage, status, sweep, tags.KEY or params.KEY',
    });
  }
  return field;
}

function columnValue(row: Parsed, field: FieldRef): string | number | null {
  switch (field.kind) {
    case 'metric':
      return row.metrics[field.key] ?? null;
    case 'param':
      return row.params[field.key] ?? null;
    case 'tag':
      return row.tags[field.key] ?? null;
    case 'attr':
      return null;
  }
}

interface Parsed {
  params: Record<string, string>;
  metrics: Record<string, number | null>;
  tags: Record<string, string>;
}

export function runsPage(ctx: UiContext, q: URLSearchParams): RunsPage {
  const filterText = q.get('filter')?.trim() ?? '';
  const sortSpecs = listParam(q, 'sort', { commas: false });
  const groupSpec = q.get('group')?.trim() ?? '';
  const columns = listParam(q, 'col', { commas: false });
  const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(q, 'limit', 100, 0, MAX_WINDOW);
  const filter = filterText ? parseFilter(filterText) : undefined;
  const sort: SortKey[] = sortSpecs.map(parseSortKey);
  const group = groupSpec ? parseGroup(groupSpec) : undefined;
  const fields = columns.map((c) => parseFieldRef(c, 'col'));
  const bad = fields.findIndex((f) => f.kind === 'attr');
  if (bad >= 0)
    throw new MloError(
      'USAGE',
      `col: ${columns[bad]} is always shown; name metrics., params. or tags. keys`,
    );
  const key = JSON.stringify([filterText, sortSpecs, groupSpec]);
  const ordered = ctx.table.order({ filter, sort, group }, key);
  const rows = limit === 0 ? [] : ctx.table.window(ordered, offset, limit);
  return {
    total: ordered.seqs.length,
    offset,
    generation: ordered.generation,
    ...(ordered.groups && { groups: ordered.groups }),
    columns,
    rows: rows.map((r: RunListRow) => {
      const parsed: Parsed = {
        params: JSON.parse(r.params_json) as Parsed['params'],
        metrics: JSON.parse(r.metrics_json) as Parsed['metrics'],
        tags: JSON.parse(r.tags_json) as Parsed['tags'],
      };
      return {
        id: r.id,
        name: r.name,
        experiment: r.experiment,
        status: r.status,
        stage: r.stage,
        start: r.start_ms,
        end: r.end_ms,
        values: fields.map((f) => columnValue(parsed, f)),
      };
    }),
  };
}

export interface RunKeys {
  params: string[];
  metrics: string[];
  tags: string[];
  /** distinct values with their run counts, for grouping and quick filters */
  experiments: { value: string; count: number }[];
  stages: { value: string; count: number }[];
  /** true when a list stopped at the limit */
  truncated: boolean;
}

export function runKeys(ctx: UiContext, q: URLSearchParams): RunKeys {
  const limit = intParam(q, 'limit', 50_000, 1, 1_000_000);
  const store = ctx.repo.store;
  const params = listRunKeys(store, 'param', limit);
  const metrics = listRunKeys(store, 'metric', limit);
  const tags = listRunKeys(store, 'tag', limit);
  const facets = ctx.table.facets();
  return {
    params,
    metrics,
    tags,
    experiments: facets.experiments,
    stages: facets.stages,
    truncated: [params, metrics, tags].some((l) => l.length >= limit),
  };
}
