/** `--since`: a duration back from now ("90s", "30m", "24h", "7d", "2w") or a date/time. */
import { MloError } from '../errors.js';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Epoch milliseconds of the window's start. */
export function parseSince(text: string, now = Date.now()): number {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i.exec(t);
  if (m) return now - Number(m[1]) * UNIT_MS[m[2].toLowerCase()];
  if (/^\d{4}-\d{2}-\d{2}/.test(t)) {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return ms;
  }
  throw new MloError(
    'USAGE',
    `--since expects a duration such as 30m, 24h or 7d, or a date, got "${text}"`,
  );
}
