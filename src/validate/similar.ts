/** "did you mean ...?" for a misspelt expectation, kwarg or suite name. */

/** The candidate closest to `name` by edit distance, when it is close enough to be a typo. */
export function closestMatch(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const list = [...candidates];
  // "min" for "min_value": a prefix says more than a small edit distance to "id"
  const prefixed = list
    .filter((c) => lower.length >= 3 && c.toLowerCase().startsWith(lower))
    .sort((a, b) => a.length - b.length);
  if (prefixed.length > 0) return prefixed[0];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of list) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  const close =
    bestDistance <= Math.max(1, Math.floor(name.length / 3)) && bestDistance < name.length / 2;
  return close ? best : undefined;
}

/** Edit distance where swapping two neighbours counts as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, rows[i - 2][j - 2] + 1);
      row[j] = d;
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}
