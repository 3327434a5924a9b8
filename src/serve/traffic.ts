/**
 * Request and error counts per served version, route and minute, for `mlo monitor`'s
 * error_rate rules and `mlo perf --compare`. Counted in memory on the HTTP thread and
 * added to the store's serve_traffic every few seconds and at shutdown: one small
 * upsert per interval, whatever the request rate. Only requests a served model took
 * are counted, so the keys are bounded by what is served, never by what clients send.
 */
import type { Store } from '../store/index.js';
import { addTraffic, type TrafficRow } from '../store/index.js';
import type { PredictionRoute } from '../store/index.js';

const MINUTE = 60_000;

export class TrafficCounter {
  private readonly rows = new Map<string, TrafficRow>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly onError: (message: string) => void,
    flushEveryMs = 5000,
  ) {
    this.timer = setInterval(() => this.flush(), flushEveryMs);
    this.timer.unref();
  }

  /** One answered request: 5xx is an error, 4xx a rejected request. */
  count(
    model: string,
    version: number,
    route: PredictionRoute,
    status: number,
    atMs: number,
  ): void {
    const minuteMs = Math.floor(atMs / MINUTE) * MINUTE;
    const key = `${model}\0${version}\0${route}\0${minuteMs}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { model, version, route, minuteMs, requests: 0, errors: 0, rejected: 0 };
      this.rows.set(key, row);
    }
    row.requests++;
    if (status >= 500) row.errors++;
    else if (status >= 400) row.rejected++;
  }

  flush(): void {
    if (this.rows.size === 0) return;
    const rows = [...this.rows.values()];
    this.rows.clear();
    try {
      addTraffic(this.store, rows);
    } catch (err) {
      // the counts are not worth failing requests over; say so and go on
      this.onError(`request counts not saved: ${(err as Error).message}`);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
