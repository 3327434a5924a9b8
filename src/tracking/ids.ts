/**
 * Run ids: 32 random hex digits (like MLflow's), abbreviated like git commits to any
 * unique prefix. A run's exact name works too when no id starts with it.
 */
import { randomBytes } from 'node:crypto';
import { MloError } from '../errors.js';
import type { Store } from '../store/index.js';
import { findRunIdsByName, findRunIdsByPrefix, getRunRow, type RunRow } from '../store/index.js';

export function newRunId(): string {
  return randomBytes(16).toString('hex');
}

/** Abbreviation shown in tables: long enough to be unique in practice. */
export const SHORT_ID = 8;

export function shortId(id: string): string {
  return id.slice(0, SHORT_ID);
}

export function resolveRunRow(store: Store, ref: string): RunRow {
  const wanted = ref.trim();
  if (wanted === '') throw new MloError('USAGE', 'empty run id');
  const exact = getRunRow(store, wanted);
  if (exact) return exact;
  if (/^[0-9a-f]+$/i.test(wanted)) {
    const ids = findRunIdsByPrefix(store, wanted.toLowerCase(), 6);
    if (ids.length === 1) return getRunRow(store, ids[0]) as RunRow;
    if (ids.length > 1) {
      throw new MloError(
        'USAGE',
        `run id ${wanted} is ambiguous: it starts ${ids.length > 5 ? 'more than 5' : ids.length} runs (${ids
          .slice(0, 5)
          .map(shortId)
          .join(', ')}${ids.length > 5 ? ', ...' : ''})`,
        { hint: 'give more characters of the id' },
      );
    }
  }
  const named = findRunIdsByName(store, wanted, 2);
  if (named.length === 1) return getRunRow(store, named[0]) as RunRow;
  if (named.length > 1) {
    throw new MloError('USAGE', `more than one run is named ${wanted}`, {
      hint: 'use the run id (see `mlo runs list`)',
    });
  }
  throw new MloError('NOT_FOUND', `no run matches ${wanted}`, {
    hint: 'list runs with `mlo runs list`',
  });
}
