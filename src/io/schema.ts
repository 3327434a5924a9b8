/** Which columns a reader delivers, with what kind, and the errors for columns that are not there. */
import { MloError } from '../errors.js';
import { COLUMN_KINDS } from './types.js';
import type { ColumnInfo, ColumnKind, TableSchema } from './types.js';

const MAX_LISTED = 30;

function listNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_LISTED).map((n) => JSON.stringify(n));
  if (names.length > MAX_LISTED) shown.push(`… (${names.length - MAX_LISTED} more)`);
  return shown.join(', ');
}

export interface RequireColumnsContext {
  /** the file, as the user named it */
  file: string;
  /** what needs the columns, e.g. "suite raw" or "model churn@3 features" */
  purpose?: string;
}

/**
 * Throws INVALID (exit 2) naming every column of `names` the table lacks and listing
 * those it has; a case-insensitive near match becomes the hint.
 */
export function requireColumns(
  schema: TableSchema | readonly string[],
  names: readonly string[],
  context: RequireColumnsContext,
): void {
  const available = 'fileColumns' in schema ? schema.fileColumns : schema;
  const have = new Set(available);
  const missing = names.filter((n) => !have.has(n));
  if (missing.length === 0) return;
  const noun = missing.length === 1 ? 'column' : 'columns';
  const why = context.purpose === undefined ? '' : ` (needed by ${context.purpose})`;
  const lower = new Map(available.map((n) => [n.toLowerCase(), n]));
  const near = missing.flatMap((m) => {
    const n = lower.get(m.toLowerCase());
    return n === undefined ? [] : [`"${m}" → "${n}"`];
  });
  throw new MloError(
    'INVALID',
    `${context.file}: no ${noun} ${listNames(missing)}${why}; available: ${available.length === 0 ? '(none)' : listNames(available)}`,
    {
      hint: near.length > 0 ? `column names are case-sensitive: ${near.join(', ')}` : undefined,
      details: { file: context.file, missing, available: [...available] },
    },
  );
}

export interface ResolveSchemaInput {
  file: string;
  fileColumns: readonly string[];
  columns?: readonly string[];
  types?: Readonly<Record<string, ColumnKind>>;
}

/**
 * The selected columns (the requested ones in the requested order, else all) with
 * their overrides applied; `kind` is left for the reader to fill where not overridden.
 */
export function selectColumns(
  input: ResolveSchemaInput,
): { info: ColumnInfo; overridden: boolean }[] {
  const { file, fileColumns, columns, types = {} } = input;
  for (const [name, kind] of Object.entries(types)) {
    if (!COLUMN_KINDS.includes(kind)) {
      throw new MloError('USAGE', `unknown column type "${String(kind)}" for column "${name}"`, {
        hint: `column types: ${COLUMN_KINDS.join(', ')}`,
      });
    }
  }
  requireColumns(fileColumns, Object.keys(types), { file, purpose: 'the type overrides' });
  const wanted = columns ?? fileColumns;
  if (columns !== undefined) {
    requireColumns(fileColumns, columns, { file, purpose: 'the requested columns' });
    const seen = new Set<string>();
    for (const c of columns) {
      if (seen.has(c)) throw new MloError('USAGE', `column "${c}" is requested twice`);
      seen.add(c);
    }
  }
  const index = new Map(fileColumns.map((n, i) => [n, i]));
  return wanted.map((name) => {
    const kind = types[name];
    return {
      info: {
        name,
        kind: kind ?? 'string',
        kindSource: kind === undefined ? 'inferred' : 'override',
        fileIndex: index.get(name) ?? -1,
      },
      overridden: kind !== undefined,
    };
  });
}

/** pandas' names for header cells left empty, so a written DataFrame index reads the same. */
export function nameColumns(header: readonly string[], file: string): string[] {
  const names = header.map((h, i) => (h === '' ? `Unnamed: ${i}` : h));
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) {
      throw new MloError('INVALID', `${file}: line 1: column "${n}" appears twice in the header`, {
        hint: 'rename one of them; mlo needs unique column names',
      });
    }
    seen.add(n);
  }
  return names;
}
