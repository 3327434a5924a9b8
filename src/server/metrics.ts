/**
 * The server's counters, Prometheus text at GET /metrics. Every label value comes
 * from a fixed set (route names of the route table, five status classes), so no
 * request, authenticated or not, can make the series grow; requests refused before
 * authentication count in two plain counters.
 */
const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export class ServerMetrics {
  private readonly requests = new Map<string, Uint32Array>();
  private readonly seconds = new Map<string, Float64Array>();
  authFailures = 0;
  rateLimited = 0;
  predictionRows = 0;
  duplicateBatches = 0;
  pushedRecords = 0;
  labels = 0;

  constructor(routeNames: readonly string[]) {
    for (const r of routeNames) {
      this.requests.set(r, new Uint32Array(CLASSES.length));
      this.seconds.set(r, new Float64Array(1));
    }
  }

  /** Count a finished request of a known route (unknown names are ignored, never added). */
  observe(route: string, status: number, seconds: number): void {
    const counts = this.requests.get(route);
    if (!counts) return;
    const c = Math.min(Math.max(Math.floor(status / 100) - 1, 0), 4);
    counts[c]++;
    this.seconds.get(route)![0] += seconds;
  }

  render(): string {
    const lines = [
      '# HELP mlo_server_requests_total Authenticated requests by route and status class.',
      '# TYPE mlo_server_requests_total counter',
    ];
    for (const [route, counts] of this.requests) {
      CLASSES.forEach((cls, i) => {
        if (counts[i] > 0) {
          lines.push(`mlo_server_requests_total{route="${route}",status="${cls}"} ${counts[i]}`);
        }
      });
    }
    lines.push(
      '# HELP mlo_server_request_seconds_total Time spent answering, by route.',
      '# TYPE mlo_server_request_seconds_total counter',
    );
    for (const [route, s] of this.seconds) {
      if (s[0] > 0) lines.push(`mlo_server_request_seconds_total{route="${route}"} ${s[0]}`);
    }
    const plain: [string, string, number][] = [
      [
        'mlo_server_auth_failures_total',
        'Requests refused for a missing or wrong token.',
        this.authFailures,
      ],
      [
        'mlo_server_rate_limited_total',
        'Requests refused after too many failed authentications.',
        this.rateLimited,
      ],
      ['mlo_server_prediction_rows_total', 'Prediction-log rows ingested.', this.predictionRows],
      [
        'mlo_server_duplicate_batches_total',
        'Prediction batches received again (counted once).',
        this.duplicateBatches,
      ],
      ['mlo_server_pushed_records_total', 'Records applied from pushes.', this.pushedRecords],
      [
        'mlo_server_labels_total',
        'Labels stored from POST /feedback (new or changed).',
        this.labels,
      ],
    ];
    for (const [name, help, v] of plain) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${v}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
