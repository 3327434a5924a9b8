/** The `mlo runs list --json` document as it has always been spelled, built apart from the code under test. */
import type { RunListRow } from '../../src/store/index.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/**
 * Built in JavaScript from the listing's columns: names quoted by JSON.stringify, times
 * as toISOString spells them, the stored params, metrics and tags documents as they are.
 */
export function referenceRunsJson(rows: RunListRow[]): string {
  const runs = rows.map(
    (r) =>
      `{"id":${JSON.stringify(r.id)},"name":${JSON.stringify(r.name)},"experiment":${JSON.stringify(r.experiment)},` +
      `"status":${JSON.stringify(r.status)},"start":${JSON.stringify(iso(r.start_ms))},"end":${JSON.stringify(iso(r.end_ms))},` +
      `"params":${r.params_json},"metrics":${r.metrics_json},"tags":${r.tags_json}}`,
  );
  return `{"runs":[${runs.join(',')}]}`;
}
