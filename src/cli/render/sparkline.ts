/** A one-line chart of a series: ▁▂▃▄▅▆▇█, NaN as a gap, long series averaged into buckets. */
const BARS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly (number | null)[], width = 60): string {
  if (values.length === 0) return '';
  const buckets: (number | null)[] = [];
  const n = Math.min(width, values.length);
  for (let b = 0; b < n; b++) {
    const from = Math.floor((b * values.length) / n);
    const to = Math.floor(((b + 1) * values.length) / n);
    let sum = 0;
    let count = 0;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v !== null && Number.isFinite(v)) {
        sum += v;
        count++;
      }
    }
    buckets.push(count ? sum / count : null);
  }
  const finite = buckets.filter((v): v is number => v !== null);
  if (finite.length === 0) return ' '.repeat(buckets.length);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min;
  return buckets
    .map((v) => {
      if (v === null) return ' ';
      const level = span === 0 ? 3 : Math.round(((v - min) / span) * (BARS.length - 1));
      return BARS[level];
    })
    .join('');
}
