/** Normalise the accepted score shapes into a vector or a row-major matrix. */
import { MloError } from '../../errors.js';
import type { ScoreMatrix, Scores } from './types.js';

export type NormalisedScores =
  | { kind: 'vector'; values: ArrayLike<number>; rows: number }
  | { kind: 'matrix'; data: ArrayLike<number>; columns: number; rows: number };

export function isScoreMatrix(scores: Scores): scores is ScoreMatrix {
  return typeof scores === 'object' && 'columns' in scores && 'data' in scores;
}

function isNested(scores: Scores): scores is readonly (readonly number[])[] {
  return Array.isArray(scores) && scores.length > 0 && Array.isArray(scores[0]);
}

/** Build a ScoreMatrix from nested rows (`[[0.1, 0.9], ...]`); every row must have the same width. */
export function scoreMatrix(rows: readonly ArrayLike<number>[]): ScoreMatrix {
  const columns = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * columns);
  rows.forEach((row, i) => {
    if (row.length !== columns) {
      throw new MloError(
        'INVALID',
        `scores row ${i} has ${row.length} values, expected ${columns} like row 0`,
      );
    }
    for (let j = 0; j < columns; j++) data[i * columns + j] = row[j];
  });
  return { data, columns };
}

export function normaliseScores(scores: Scores): NormalisedScores {
  if (isScoreMatrix(scores)) {
    const { data, columns } = scores;
    if (!Number.isInteger(columns) || columns < 1 || data.length % columns !== 0) {
      throw new MloError(
        'INVALID',
        `score matrix of ${data.length} values cannot have ${columns} columns`,
      );
    }
    return { kind: 'matrix', data, columns, rows: data.length / columns };
  }
  if (isNested(scores)) {
    const m = scoreMatrix(scores);
    return { kind: 'matrix', data: m.data, columns: m.columns, rows: scores.length };
  }
  const values = scores;
  return { kind: 'vector', values, rows: values.length };
}

/** A 1-column matrix is a vector in disguise (a model with a single score output). */
export function squeeze(s: NormalisedScores): NormalisedScores {
  if (s.kind === 'matrix' && s.columns === 1)
    return { kind: 'vector', values: s.data, rows: s.rows };
  return s;
}

/** First row holding a NaN score, or -1. */
export function firstNaNRow(s: NormalisedScores): number {
  const values = s.kind === 'vector' ? s.values : s.data;
  const width = s.kind === 'vector' ? 1 : s.columns;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) return Math.floor(i / width);
  }
  return -1;
}
