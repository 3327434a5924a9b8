/** Durations as written in mlo.yaml (`30d`, `1d12h`, `3600`) and back. */

const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
const DURATION_RE = /^(?:\d+(?:\.\d+)?[wdhms])+$/;
const PART_RE = /(\d+(?:\.\d+)?)([wdhms])/g;

/** Seconds, or undefined when the text is not a duration. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const text = value.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (!DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(PART_RE)) total += Number(m[1]) * UNIT_SECONDS[m[2]];
  return total;
}

/** `1d12h`, `90s`, `0` — the shortest exact spelling. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0';
  let rest = seconds;
  let out = '';
  for (const [unit, size] of Object.entries(UNIT_SECONDS)) {
    if (unit === 'w' || unit === 's') continue; // days read better than weeks; seconds below
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  if (rest > 0) out += `${Number(rest.toFixed(3))}s`;
  return out;
}
