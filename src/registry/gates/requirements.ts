/** What a set of gates needs measured, so `mlo promote` computes only that. */
import type { Gate } from './ast.js';

export interface GateRequirements {
  /** the candidate's metrics that gates compare (sorted, unique) */
  metrics: string[];
  /** metrics the alias holder must provide, for `current` gates (sorted, unique) */
  currentMetrics: string[];
  /** per slice column (sorted), the metrics whose gap or ratio across its groups is needed */
  slices: { column: string; metrics: string[] }[];
  /** validation suites to run on the evaluation data (sorted, unique) */
  suites: string[];
  /** whether drift against the model's baseline must be measured */
  drift: boolean;
}

export function requirements(gates: readonly Gate[]): GateRequirements {
  const metrics = new Set<string>();
  const current = new Set<string>();
  const slices = new Map<string, Set<string>>();
  const suites = new Set<string>();
  let drift = false;
  for (const gate of gates) {
    switch (gate.kind) {
      case 'metric':
        metrics.add(gate.metric.name);
        if (gate.threshold.kind === 'current') current.add(gate.metric.name);
        break;
      case 'gap':
      case 'ratio': {
        let set = slices.get(gate.column.name);
        if (!set) slices.set(gate.column.name, (set = new Set()));
        set.add(gate.metric.name);
        break;
      }
      case 'validate':
        suites.add(gate.suite);
        break;
      case 'drift':
        drift = true;
        break;
    }
  }
  const sorted = (s: Iterable<string>): string[] => [...s].sort();
  return {
    metrics: sorted(metrics),
    currentMetrics: sorted(current),
    slices: sorted(slices.keys()).map((column) => ({
      column,
      metrics: sorted(slices.get(column) ?? []),
    })),
    suites: sorted(suites),
    drift,
  };
}
