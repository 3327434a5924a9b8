/**
 * Which columns of a table a baseline profiles, and as what. Kinds come from the
 * reader's inference unless the user names them:
 *
 * | reader kind          | drift kind                                                  |
 * | number, integer      | numeric                                                     |
 * | category, boolean    | categorical                                                 |
 * | string               | categorical while the whole column has at most 1000         |
 * |                      | distinct values (an id or free text is skipped at the end)  |
 * | datetime             | skipped unless named (time always moves); named: numeric    |
 *
 * A column named in `columns`, as target, prediction or score, or with a kind
 * override is never skipped.
 */
import { MloError } from '../errors.js';
import type { ColumnKind, TableSchema } from '../io/index.js';
import type { DriftColumnKind } from './stats/index.js';

export type ColumnRole = 'feature' | 'target' | 'prediction';

export interface PlannedColumn {
  name: string;
  kind: DriftColumnKind;
  role: ColumnRole;
  /** how the reader delivers it (the type override to read current data with) */
  readKind: ColumnKind;
  kindSource: 'inferred' | 'override';
  /** an inferred text column: dropped after profiling if it turns out id-like */
  dropIfHighCardinality: boolean;
}

export interface SkippedColumn {
  name: string;
  reason: string;
}

export interface ColumnSelection {
  /** profile only these (plus target and prediction); default: every column */
  columns?: readonly string[];
  target?: string;
  prediction?: string;
  /** the model's predicted score (probability): role prediction, checked like the label */
  score?: string;
  /** kind overrides by column name */
  kinds?: Readonly<Record<string, DriftColumnKind>>;
  /** left out unless named in `columns` (from mlo.yaml `drift.columns.X.skip`) */
  skip?: readonly string[];
}

/** Column names and io type overrides to open the table with. */
export function readRequest(selection: ColumnSelection): {
  columns: string[] | undefined;
  types: Record<string, ColumnKind>;
} {
  const columns = selection.columns ? [...selection.columns] : undefined;
  if (columns) {
    for (const extra of [selection.target, selection.prediction, selection.score]) {
      if (extra !== undefined && !columns.includes(extra)) columns.push(extra);
    }
  }
  const types: Record<string, ColumnKind> = {};
  for (const [name, kind] of Object.entries(selection.kinds ?? {})) {
    if (columns && !columns.includes(name)) continue;
    types[name] = kind === 'numeric' ? 'number' : 'category';
  }
  return { columns, types };
}

/** Decide each column's drift kind and role from the opened table's schema. */
export function planColumns(
  schema: TableSchema,
  selection: ColumnSelection,
): { planned: PlannedColumn[]; skipped: SkippedColumn[] } {
  const { target, prediction, score } = selection;
  const roles = [
    ['--target', target],
    ['--prediction', prediction],
    ['--score', score],
  ] as const;
  for (let a = 0; a < roles.length; a++) {
    for (let b = a + 1; b < roles.length; b++) {
      if (roles[a][1] !== undefined && roles[a][1] === roles[b][1]) {
        throw new MloError(
          'USAGE',
          `${roles[a][0]} and ${roles[b][0]} name the same column "${roles[a][1]}"`,
        );
      }
    }
  }
  const named = new Set(selection.columns ?? []);
  const skip = new Set(selection.skip ?? []);
  const kinds = selection.kinds ?? {};
  const planned: PlannedColumn[] = [];
  const skipped: SkippedColumn[] = [];
  for (const info of schema.columns) {
    // (the score is a model output too: the store's roles are feature, target, prediction)
    const role: ColumnRole =
      info.name === target
        ? 'target'
        : info.name === prediction || info.name === score
          ? 'prediction'
          : 'feature';
    const explicit = named.has(info.name) || role !== 'feature';
    const override = kinds[info.name];
    if (override !== undefined) {
      planned.push({
        name: info.name,
        kind: override,
        role,
        readKind: info.kind,
        kindSource: 'override',
        dropIfHighCardinality: false,
      });
      continue;
    }
    if (skip.has(info.name) && !explicit) {
      skipped.push({ name: info.name, reason: 'skipped in mlo.yaml (drift.columns)' });
      continue;
    }
    const base = { name: info.name, role, readKind: info.kind, kindSource: 'inferred' as const };
    switch (info.kind) {
      case 'number':
      case 'integer':
        planned.push({ ...base, kind: 'numeric', dropIfHighCardinality: false });
        break;
      case 'category':
      case 'boolean':
        planned.push({ ...base, kind: 'categorical', dropIfHighCardinality: false });
        break;
      case 'string':
        planned.push({ ...base, kind: 'categorical', dropIfHighCardinality: !explicit });
        break;
      case 'datetime':
        if (explicit) planned.push({ ...base, kind: 'numeric', dropIfHighCardinality: false });
        else {
          skipped.push({
            name: info.name,
            reason: `datetime column (use --kind ${info.name}=numeric to check it)`,
          });
        }
        break;
    }
  }
  return { planned, skipped };
}

/** Parse "a=numeric,b=categorical" (repeatable) into kind overrides. */
export function parseKindOverrides(specs: readonly string[]): Record<string, DriftColumnKind> {
  const out: Record<string, DriftColumnKind> = {};
  for (const spec of specs.flatMap((s) => s.split(','))) {
    const t = spec.trim();
    if (t === '') continue;
    const eq = t.lastIndexOf('=');
    const name = t.slice(0, eq);
    const kind = t.slice(eq + 1);
    if (eq <= 0 || (kind !== 'numeric' && kind !== 'categorical')) {
      throw new MloError(
        'USAGE',
        `--kind expects COLUMN=numeric or COLUMN=categorical, got "${t}"`,
      );
    }
    out[name] = kind;
  }
  return out;
}
