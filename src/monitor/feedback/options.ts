/**
 * How labels join logged predictions: by request id (and the instance within a
 * multi-instance request), or by an entity key and a time window. Shared by the file
 * reader (`mlo feedback add`) and the HTTP handler (`POST /feedback`).
 */
import { MloError } from '../../errors.js';
import { parseDuration } from '../../util/duration.js';

export type JoinMode = 'request' | 'entity';

export const DEFAULT_ENTITY_WINDOW = '7d';

export interface EntityJoin {
  /** the input feature of the logged predictions that holds the entity key */
  feature: string;
  /** how far back from a label's time its prediction may be */
  windowMs: number;
  /** only this model's predictions (NAME) */
  model?: string;
}

/** A JSON path segment is bound as `$."name"`: a name with a quote or backslash could not be. */
export function checkFeatureName(name: string, what: string): string {
  if (name === '' || /["\\]/.test(name)) {
    throw new MloError(
      'USAGE',
      `${what} "${name}" cannot be used: it is empty or has a quote or backslash`,
    );
  }
  return name;
}

export function entityJoin(
  feature: string,
  window: string | undefined,
  model?: string,
): EntityJoin {
  return {
    feature: checkFeatureName(feature, 'entity feature'),
    windowMs: parseDuration(window ?? DEFAULT_ENTITY_WINDOW, '--window'),
    ...(model !== undefined && { model }),
  };
}

/**
 * A label time as epoch ms: a datetime, or a number of epoch milliseconds; numbers
 * below 1e11 are read as epoch seconds (1e11 ms is 1973, 1e11 s the year 5138), so
 * Python's time.time() works as is.
 */
export function epochMs(value: number): number {
  return Math.abs(value) < 1e11 ? Math.round(value * 1000) : Math.round(value);
}
