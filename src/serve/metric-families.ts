/**
 * Counters and histograms for what the server observes on every request, in the
 * Prometheus text format. prom-client's label children still hash their label values
 * into a string on every inc()/observe(); here a child is a plain object resolved
 * once (when a model loads), so an observation is a bucket search and a few additions,
 * with nothing allocated.
 */

/** A label value as the text format needs it: backslash, quote and newline escaped. */
export function escapeLabel(v: string): string {
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

function labelText(names: readonly string[], values: readonly string[]): string {
  return names.map((n, i) => `${n}="${escapeLabel(values[i])}"`).join(',');
}

export function header(name: string, help: string, type: string): string {
  return `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
}

abstract class Family<C> {
  protected readonly children = new Map<string, { values: string[]; child: C }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected abstract make(): C;

  /** The child for these label values (in `labelNames` order), made on first use. */
  child(...values: string[]): C {
    if (values.length !== this.labelNames.length) {
      throw new Error(`${this.name} takes labels ${this.labelNames.join(', ')}`);
    }
    const key = values.join('\u0000');
    let entry = this.children.get(key);
    if (entry === undefined) {
      entry = { values, child: this.make() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  abstract render(): string;
}

export class CounterChild {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class CounterFamily extends Family<CounterChild> {
  protected make(): CounterChild {
    return new CounterChild();
  }

  render(): string {
    let s = header(this.name, this.help, 'counter');
    for (const { values, child } of this.children.values()) {
      const labels = labelText(this.labelNames, values);
      s += `${this.name}${labels ? `{${labels}}` : ''} ${formatValue(child.value)}\n`;
    }
    return s;
  }
}

export class HistogramChild {
  /** per bucket, not cumulative; the last slot is +Inf */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: Float64Array) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(v: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && v > b[i]) i++;
    this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class HistogramFamily extends Family<HistogramChild> {
  private readonly bounds: Float64Array;

  constructor(name: string, help: string, labelNames: readonly string[], buckets: number[]) {
    super(name, help, labelNames);
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
  }

  protected make(): HistogramChild {
    return new HistogramChild(this.bounds);
  }

  render(): string {
    let s = header(this.name, this.help, 'histogram');
    for (const { values, child } of this.children.values()) {
      const labels = labelText(this.labelNames, values);
      const sep = labels ? `${labels},` : '';
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += child.counts[i];
        const le = i < this.bounds.length ? formatValue(this.bounds[i]) : '+Inf';
        s += `${this.name}_bucket{${sep}le="${le}"} ${cumulative}\n`;
      }
      const braces = labels ? `{${labels}}` : '';
      s += `${this.name}_sum${braces} ${formatValue(child.sum)}\n`;
      s += `${this.name}_count${braces} ${child.count}\n`;
    }
    return s;
  }
}

/** A gauge read when scraped (no labels). */
export class ReadGauge {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => number,
    /** `untyped` for names a gauge may not carry (see metrics.ts) */
    private readonly type: 'gauge' | 'untyped' = 'gauge',
  ) {}

  render(): string {
    return `${header(this.name, this.help, this.type)}${this.name} ${formatValue(this.read())}\n`;
  }
}
