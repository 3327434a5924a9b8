/**
 * Rollout guards: `METRIC OP LIMIT`, where LIMIT is a number or the champion's own
 * value in the same window, give or take a margin.
 *
 *     error_rate <= champion + 0.01    5xx answers / requests
 *     p99_ms <= 50                     latency (also p50_ms, p95_ms)
 *     accuracy >= champion - 0.02      any metric mlo perf measures on labelled traffic
 */
import { MloError } from '../../errors.js';

export type GuardOp = '<' | '<=' | '>' | '>=';

export interface Guard {
  text: string;
  metric: string;
  op: GuardOp;
  /** the champion's value plus this, or a fixed limit */
  relative: boolean;
  offset: number;
}

/** Served-side metrics; anything else is measured on labelled traffic. */
export const SERVED_METRICS: Record<string, number | null> = {
  error_rate: null,
  p50_ms: 0.5,
  p95_ms: 0.95,
  p99_ms: 0.99,
};

export function parseGuard(text: string): Guard {
  const m =
    /^\s*([a-z][a-z0-9_]*)\s*(<=|>=|<|>)\s*(?:(champion)\s*(?:([+-])\s*(\d+(?:\.\d+)?(?:e-?\d+)?))?|(-?\d+(?:\.\d+)?(?:e-?\d+)?))\s*$/i.exec(
      text,
    );
  if (!m) {
    throw new MloError('USAGE', `--guard "${text}": expected METRIC OP LIMIT`, {
      hint: 'for example --guard "error_rate <= champion + 0.01" or --guard "p99_ms <= 50"',
    });
  }
  const [, metric, op, champion, sign, margin, fixed] = m;
  const offset = champion
    ? margin === undefined
      ? 0
      : (sign === '-' ? -1 : 1) * Number(margin)
    : Number(fixed);
  return { text: text.trim(), metric, op: op as GuardOp, relative: Boolean(champion), offset };
}

export interface GuardResult {
  guard: string;
  /** the canary's value (null: no data yet) */
  observed: number | null;
  /** the limit it was held to (null: the champion has no data yet) */
  threshold: number | null;
  /** null: not decided (not enough data) */
  passed: boolean | null;
  reason: string;
}

export function checkGuard(g: Guard, canary: number | null, champion: number | null): GuardResult {
  const threshold = g.relative ? (champion === null ? null : champion + g.offset) : g.offset;
  if (canary === null || threshold === null) {
    const who = canary === null ? 'the canary' : 'the champion';
    return {
      guard: g.text,
      observed: canary,
      threshold,
      passed: null,
      reason: `no ${g.metric} for ${who} in this step yet`,
    };
  }
  const passed =
    g.op === '<'
      ? canary < threshold
      : g.op === '<='
        ? canary <= threshold
        : g.op === '>'
          ? canary > threshold
          : canary >= threshold;
  const fmt = (x: number): string => String(Number(x.toPrecision(6)));
  return {
    guard: g.text,
    observed: canary,
    threshold,
    passed,
    reason: `${g.metric} ${fmt(canary)} ${passed ? '' : 'not '}${g.op} ${fmt(threshold)}`,
  };
}
