/**
 * What a rollout does to the world: the audit of every step in rollout_events, the
 * alias the server follows moved to the canary when the ramp completes (a promotion in
 * the alias audit, with the guards as its gates) or refused when a guard fails, and
 * the labelled metrics the caller measures.
 */
import { randomUUID } from 'node:crypto';
import { parseModelRef, recordPromotion, type ModelVersion } from '../../registry/index.js';
import type { Repo } from '../../repo/index.js';
import { insertRolloutEvent } from '../../store/index.js';
import type { ResolvedOptions, ServeEvent } from '../options.js';
import type { RolloutDecision, RolloutHooks } from './controller.js';
import type { StepStats } from './stats.js';

interface SlotLike {
  ref: string;
  served: { model: ModelVersion };
}

export function rolloutHooks(
  repo: Repo,
  o: ResolvedOptions,
  main: SlotLike,
  canary: SlotLike,
  state: {
    setPercent: (p: number) => void;
    stats: () => { main: StepStats; canary: StepStats };
    newStep: () => void;
    emit: (e: ServeEvent) => void;
  },
): RolloutHooks {
  const id = randomUUID();
  const ref = parseModelRef(main.ref);
  // the alias main follows is what the rollout promotes; a pinned version has none
  const alias = ref.kind === 'alias' && !ref.text.endsWith('@latest') ? ref.alias : null;
  // the versions the rollout began with: main moves to the canary at the end
  const mainVersion = main.served.model.version;
  const canaryVersion = canary.served.model.version;
  const name = main.served.model.name;
  return {
    setPercent: state.setPercent,
    stats: state.stats,
    newStep: state.newStep,
    labelled: async (metric, side, sinceMs) => {
      if (!o.rollout?.labelled) return null;
      const version = side === 'main' ? mainVersion : canaryVersion;
      return o.rollout.labelled(metric, { name, version }, sinceMs);
    },
    decided: async (d: RolloutDecision) => {
      insertRolloutEvent(repo.store, {
        rollout: id,
        model: name,
        main_version: mainVersion,
        canary_version: canaryVersion,
        step: d.step,
        percent: d.percent,
        event: d.event,
        at_ms: Date.now(),
        guards_json: d.guards.length ? JSON.stringify(d.guards) : null,
      });
      const label = `${name}@${canaryVersion}`;
      if (d.event === 'step') {
        state.emit({
          level: 'info',
          kind: 'rollout-step',
          message: `rollout: ${label} now takes ${d.percent}% of requests (step ${d.step + 1} of ${o.rollout!.steps.length})`,
        });
        return;
      }
      const failed = d.guards.filter((g) => g.passed === false);
      state.emit({
        level: d.event === 'completed' ? 'info' : 'warn',
        kind: `rollout-${d.event}`,
        message:
          d.event === 'completed'
            ? `rollout: ${label} held every guard at 100%${alias ? `; ${name}@${alias} → ${canaryVersion}` : ''}`
            : `rollout: ${label} rolled back at ${o.rollout!.steps[d.step]}%: ${failed.map((g) => g.reason).join('; ')}`,
      });
      if (!alias) return;
      await recordPromotion(repo, {
        name,
        alias,
        version: canaryVersion,
        expectedFrom: mainVersion,
        move: d.event === 'completed',
        gates: d.guards.map((g) => ({
          gate: g.guard,
          kind: 'metric',
          observed: g.observed,
          threshold: g.threshold,
          passed: g.passed === true,
          reason: g.reason,
        })),
        detail: { rollout: id, step: d.step, canaryRequests: d.canaryRequests },
      });
    },
    onError: (err) =>
      state.emit({
        level: 'warn',
        kind: 'rollout-error',
        message: `rollout: ${err instanceof Error ? err.message : String(err)}`,
      }),
  };
}
