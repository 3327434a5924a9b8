/**
 * The guides' maturity figures, from the store's own records (`mlo stats`):
 *
 * - lead time: from the commit a deployed version was built from (its registration
 *   when it names no commit) to the alias move that deployed it;
 * - deployment frequency: alias moves to a new version (promote or set) per week;
 * - promotion success rate: promotions that moved the alias / promotions decided;
 * - pipeline success rate: finished / (finished + failed + killed) `mlo repro` stage runs;
 * - change failure rate: deployments followed, before the alias's next deployment, by a
 *   rollback of that alias or a monitor incident on the deployed version;
 * - time to detect: deployment → the first incident on it;
 * - time to recover: incident → the next alias move of its model (a rollback or a new
 *   champion), else its resolution.
 */
import { spawnSync } from 'node:child_process';
import type { Repo } from '../../repo/index.js';
import {
  countStageRuns,
  listAliasDecisions,
  listIncidentTimes,
  type AliasMoveRecord,
} from '../../store/index.js';
import { parseSince } from '../since.js';

export interface MaturityOptions {
  /** the window: 30d, 12w, a date (default 90d) */
  since?: string;
  /** one model (default: all) */
  model?: string;
  now?: number;
}

export interface Durations {
  /** hours */
  median: number | null;
  p90: number | null;
  n: number;
}

export interface Rate {
  value: number | null;
  /** the numerator and denominator */
  of: [number, number];
}

export interface MaturityStats {
  window: { since: string; until: string; days: number };
  model: string | null;
  leadTime: Durations & { fromCommit: number; fromRegistration: number };
  deploymentFrequency: { deployments: number; perWeek: number };
  promotionSuccessRate: Rate;
  pipelineSuccessRate: Rate;
  changeFailureRate: Rate;
  timeToDetect: Durations;
  timeToRecover: Durations;
}

const HOUR = 3_600_000;

function durations(hours: number[]): Durations {
  const xs = [...hours].sort((a, b) => a - b);
  const q = (p: number): number | null => {
    if (xs.length === 0) return null;
    const h = (xs.length - 1) * p;
    const lo = Math.floor(h);
    return xs[lo] + (h - lo) * ((xs[Math.min(lo + 1, xs.length - 1)] ?? xs[lo]) - xs[lo]);
  };
  return { median: q(0.5), p90: q(0.9), n: xs.length };
}

const rate = (num: number, den: number): Rate => ({
  value: den === 0 ? null : num / den,
  of: [num, den],
});

/** A commit's time, from git (null: not a commit of this repository). */
function commitTimes(root: string): (sha: string) => number | null {
  const cache = new Map<string, number | null>();
  return (sha) => {
    if (!/^[0-9a-f]{7,64}$/i.test(sha)) return null;
    if (!cache.has(sha)) {
      const r = spawnSync('git', ['show', '-s', '--format=%ct', `${sha}^{commit}`, '--'], {
        cwd: root,
        encoding: 'utf8',
      });
      const s = Number(r.stdout?.trim());
      cache.set(sha, r.status === 0 && Number.isFinite(s) && s > 0 ? s * 1000 : null);
    }
    return cache.get(sha)!;
  };
}

export function maturityStats(repo: Repo, options: MaturityOptions = {}): MaturityStats {
  const now = options.now ?? Date.now();
  const since = options.since ?? '90d';
  const sinceMs = parseSince(since, now);
  const decisions = listAliasDecisions(repo.store, sinceMs, options.model);
  const isDeploy = (e: AliasMoveRecord): boolean =>
    e.outcome === 'moved' &&
    e.to_version !== null &&
    (e.action === 'promote' || e.action === 'set');
  const deployments = decisions.filter(isDeploy);

  const commitTime = commitTimes(repo.root);
  const lead: number[] = [];
  let fromCommit = 0;
  let fromRegistration = 0;
  for (const d of deployments) {
    const c = d.git_commit ? commitTime(d.git_commit) : null;
    const start = c ?? d.created_ms;
    if (start === null) continue;
    if (c !== null) fromCommit++;
    else fromRegistration++;
    lead.push(Math.max(0, d.at_ms - start) / HOUR);
  }

  const promotions = decisions.filter(
    (e) => e.action === 'promote' && (e.outcome === 'moved' || e.outcome === 'rejected'),
  );
  const promoted = promotions.filter((e) => e.outcome === 'moved').length;

  const stages = countStageRuns(repo.store, sinceMs);
  const stageOk = stages.finished ?? 0;
  const stageDone = stageOk + (stages.failed ?? 0) + (stages.killed ?? 0);

  const incidents = listIncidentTimes(repo.store, sinceMs).filter(
    (i) => !options.model || i.subject.startsWith(`${options.model}@`),
  );
  let failed = 0;
  const detect: number[] = [];
  deployments.forEach((d) => {
    const next = deployments.find(
      (x) => x.at_ms > d.at_ms && x.model === d.model && x.alias === d.alias,
    );
    const end = next?.at_ms ?? now + 1;
    const rolledBack = decisions.some(
      (e) =>
        e.action === 'rollback' &&
        e.outcome === 'moved' &&
        e.model === d.model &&
        e.alias === d.alias &&
        e.at_ms > d.at_ms &&
        e.at_ms < end,
    );
    const incident = incidents.find(
      (i) =>
        i.subject === `${d.model}@${d.to_version}` && i.opened_ms >= d.at_ms && i.opened_ms < end,
    );
    if (rolledBack || incident) failed++;
    if (incident) detect.push((incident.opened_ms - d.at_ms) / HOUR);
  });

  const recover: number[] = [];
  for (const i of incidents) {
    const model = i.subject.slice(0, i.subject.lastIndexOf('@'));
    const move = decisions.find(
      (e) =>
        e.model === model &&
        e.outcome === 'moved' &&
        e.at_ms >= i.opened_ms &&
        (e.action === 'rollback' || isDeploy(e)),
    );
    const at = move?.at_ms ?? i.resolved_ms;
    if (at !== null) recover.push((at - i.opened_ms) / HOUR);
  }

  const days = (now - sinceMs) / (24 * HOUR);
  return {
    window: {
      since: new Date(sinceMs).toISOString(),
      until: new Date(now).toISOString(),
      days: Math.round(days * 100) / 100,
    },
    model: options.model ?? null,
    leadTime: { ...durations(lead), fromCommit, fromRegistration },
    deploymentFrequency: {
      deployments: deployments.length,
      perWeek: days > 0 ? (deployments.length * 7) / days : 0,
    },
    promotionSuccessRate: rate(promoted, promotions.length),
    pipelineSuccessRate: rate(stageOk, stageDone),
    changeFailureRate: rate(failed, deployments.length),
    timeToDetect: durations(detect),
    timeToRecover: durations(recover),
  };
}
