/**
 * What one route (main or canary) answered during a rollout step: requests, server
 * errors and a bounded sample of latencies (reservoir sampling keeps the memory fixed
 * whatever the request rate).
 */
const RESERVOIR = 50_000;

export class StepStats {
  requests = 0;
  errors = 0;
  private readonly latencies = new Float64Array(RESERVOIR);
  private seen = 0;

  count(status: number, latencyMs: number): void {
    this.requests++;
    if (status >= 500) this.errors++;
    if (this.seen < RESERVOIR) this.latencies[this.seen] = latencyMs;
    else {
      const j = Math.floor(Math.random() * (this.seen + 1));
      if (j < RESERVOIR) this.latencies[j] = latencyMs;
    }
    this.seen++;
  }

  errorRate(): number | null {
    return this.requests === 0 ? null : this.errors / this.requests;
  }

  /** numpy's default (linear) quantile of the sampled latencies */
  quantile(q: number): number | null {
    const n = Math.min(this.seen, RESERVOIR);
    if (n === 0) return null;
    const xs = this.latencies.slice(0, n).sort();
    const h = (n - 1) * q;
    const lo = Math.floor(h);
    return xs[lo] + (h - lo) * ((xs[Math.min(lo + 1, n - 1)] ?? xs[lo]) - xs[lo]);
  }
}
