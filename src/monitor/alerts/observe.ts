/**
 * What a rule watches, measured on its window: labelled-traffic metrics (mlo perf),
 * drift of the logged inputs (mlo drift check --predictions), latency of the logged
 * answers, the server's error counts, prediction volume and label arrival. Each
 * observation says how many rows, labels or requests it rests on, which the rule's
 * minimum sample is compared with.
 */
import { MloError } from '../../errors.js';
import type { ModelVersion } from '../../registry/index.js';
import type { Repo } from '../../repo/index.js';
import {
  countLabelsReceived,
  countOutcomes,
  countPredictionRows,
  readLatencies,
  sumTraffic,
} from '../../store/index.js';
import { checkDrift } from '../check.js';
import { measurePerformance, type PerfResult } from '../perf/index.js';
import { quantileLinear } from '../perf/stats/index.js';
import type { RuleConfig } from './config.js';

export interface Observation {
  value: number | null;
  /** rows, labels or requests behind the value */
  sample: number;
  /** why there is no value */
  reason?: string;
}

/** Results shared by the rules of one evaluation (several rules read one perf run). */
export class ObservationCache {
  private readonly perf = new Map<string, Promise<PerfResult>>();

  perfOf(
    repo: Repo,
    key: { model: string; windowMs: number; role: 'primary' | 'shadow'; slices: string[] },
    now: number,
  ): Promise<PerfResult> {
    const k = JSON.stringify(key);
    let p = this.perf.get(k);
    if (!p) {
      p = measurePerformance(repo, {
        model: key.model,
        since: `${key.windowMs / 1000}s`,
        role: key.role,
        slices: key.slices,
        minLabels: 1,
        save: false,
        now,
      });
      this.perf.set(k, p);
    }
    return p;
  }
}

export async function observe(
  repo: Repo,
  rule: RuleConfig,
  version: ModelVersion,
  now: number,
  cache: ObservationCache,
): Promise<Observation> {
  const sinceMs = now - rule.windowMs;
  const w = rule.condition.watched;
  const key = { model: version.name, version: version.version };
  switch (w.kind) {
    case 'perf':
    case 'gap':
    case 'ratio': {
      const r = await cache.perfOf(
        repo,
        {
          model: `${version.name}@${version.version}`,
          windowMs: rule.windowMs,
          role: rule.role,
          slices: w.kind === 'perf' ? [] : [w.column],
        },
        now,
      );
      const f =
        w.kind === 'perf'
          ? r.overall.metrics[w.metric]
          : r.overall.slices?.[w.column]?.[w.kind === 'gap' ? 'gaps' : 'ratios'][w.metric];
      return {
        value: f?.value ?? null,
        sample: r.labelled,
        ...(f?.value == null && {
          reason:
            r.labelled === 0
              ? 'no labelled predictions in the window'
              : (f?.reason ?? `${w.metric} is not measured for this model`),
        }),
      };
    }
    case 'drift_share':
    case 'drift_column': {
      try {
        const { report } = await checkDrift(repo, {
          model: { name: version.name, version: version.version },
          predictions: { since: sinceMs, role: rule.role },
          save: false,
        });
        if (w.kind === 'drift_share')
          return { value: report.drift_share, sample: report.current.rows };
        const col = report.columns.find((c) => c.column === w.column);
        return {
          value: col?.score ?? null,
          sample: report.current.rows,
          ...(!col && { reason: `column ${w.column} is not in the baseline` }),
        };
      } catch (err) {
        if (err instanceof MloError && (err.code === 'NOT_FOUND' || err.code === 'INVALID')) {
          return { value: null, sample: 0, reason: err.message };
        }
        throw err;
      }
    }
    case 'latency': {
      const lat = readLatencies(repo.store, {
        ...key,
        role: rule.role,
        sinceMs,
        untilMs: now,
      }).sort();
      return lat.length === 0
        ? { value: null, sample: 0, reason: 'no logged answers in the window' }
        : { value: quantileLinear(lat, w.quantile), sample: lat.length };
    }
    case 'error_rate': {
      const t = sumTraffic(repo.store, { ...key, sinceMs, untilMs: now });
      return t.requests === 0
        ? { value: null, sample: 0, reason: 'no requests counted by mlo serve in the window' }
        : { value: t.errors / t.requests, sample: t.requests };
    }
    case 'volume': {
      const n = countPredictionRows(repo.store, { ...key, role: rule.role, sinceMs, untilMs: now });
      return { value: n, sample: n };
    }
    case 'label_rate': {
      const logged = countPredictionRows(repo.store, {
        ...key,
        role: rule.role,
        sinceMs,
        untilMs: now,
      });
      const labelled = countOutcomes(repo.store, {
        model: version.name,
        versions: [version.version],
        role: rule.role,
        sinceMs,
        untilMs: now,
      });
      return logged === 0
        ? { value: null, sample: 0, reason: 'no logged predictions in the window' }
        : { value: labelled / logged, sample: logged };
    }
    case 'labels': {
      const n = countLabelsReceived(repo.store, sinceMs, now + 1);
      return { value: n, sample: n };
    }
  }
}
