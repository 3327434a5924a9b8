/** Durations in config and flags: "90s", "30m", "24h", "7d", "2w" (also "500ms"). */
import { MloError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseDuration(text: string | number, what: string): number {
  if (typeof text === 'number') {
    throw new MloError(
      'USAGE',
      `${what}: give a duration with its unit, such as 30m, 24h or 7d (got ${text})`,
    );
  }
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/i.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2].toLowerCase()] : NaN;
  if (!(ms > 0)) {
    throw new MloError('USAGE', `${what} expects a duration such as 30m, 24h or 7d, got "${text}"`);
  }
  return ms;
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return ms >= 1000 ? `${Number((ms / 1000).toFixed(1))}s` : `${ms}ms`;
}
