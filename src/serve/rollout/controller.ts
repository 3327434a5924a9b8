/**
 * Progressive delivery (`mlo serve --canary REF --ramp 5,25,50,100 --every 10m --guard
 * ...`): the canary's share moves up one step at a time while every guard holds on the
 * traffic of the step; the first guard that fails sends all traffic back to the
 * champion at once. A guard without data yet (too few canary requests, no labels)
 * holds the step: the ramp waits rather than guesses. A step is judged only once the
 * canary has answered --min-requests of it. What happens is reported to the
 * server through hooks, which audit it and move the alias at the end.
 */
import { checkGuard, SERVED_METRICS, type Guard, type GuardResult } from './guards.js';
import type { StepStats } from './stats.js';

export interface RolloutPlan {
  /** canary shares in percent, rising, the last 100 */
  steps: number[];
  everyMs: number;
  guards: Guard[];
  /** canary requests a step needs before it is judged */
  minRequests: number;
}

export type RolloutPhase = 'ramping' | 'completed' | 'rolled_back';

export interface RolloutDecision {
  /** step index (0-based) the decision is about */
  step: number;
  percent: number;
  event: 'step' | 'completed' | 'rolled_back';
  guards: GuardResult[];
  canaryRequests: number;
}

export interface RolloutHooks {
  setPercent(percent: number): void;
  /**
   * Served traffic: the canary's of this step (newStep resets it), the champion's since
   * the rollout began (at 100% it takes no requests, and it is the same version throughout)
   */
  stats(): { main: StepStats; canary: StepStats };
  newStep(): void;
  /** a labelled-traffic metric of one side since the step began (null: no labels yet) */
  labelled(metric: string, side: 'main' | 'canary', sinceMs: number): Promise<number | null>;
  /** audit, and on completed / rolled_back move or keep the alias */
  decided(d: RolloutDecision): Promise<void>;
  onError(err: unknown): void;
}

export class Rollout {
  private index = 0;
  private stepStarted = Date.now();
  private started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  phase: RolloutPhase = 'ramping';

  constructor(
    private readonly plan: RolloutPlan,
    private readonly hooks: RolloutHooks,
  ) {}

  get percent(): number {
    return this.phase === 'rolled_back' ? 0 : this.plan.steps[this.index];
  }

  async start(): Promise<void> {
    this.hooks.setPercent(this.plan.steps[0]);
    this.hooks.newStep();
    this.stepStarted = this.started = Date.now();
    await this.hooks.decided({
      step: 0,
      percent: this.plan.steps[0],
      event: 'step',
      guards: [],
      canaryRequests: 0,
    });
    this.timer = setInterval(() => void this.tick(), this.plan.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Judge the current step: advance, hold, or roll back. */
  async tick(): Promise<void> {
    if (this.busy || this.phase !== 'ramping') return;
    this.busy = true;
    try {
      const { main, canary } = this.hooks.stats();
      // a step is judged on enough of its own traffic, either way
      if (canary.requests < this.plan.minRequests) return;
      const results: GuardResult[] = [];
      for (const g of this.plan.guards) {
        const value = async (side: 'main' | 'canary', s: StepStats): Promise<number | null> => {
          if (g.metric in SERVED_METRICS) {
            const q = SERVED_METRICS[g.metric];
            return q === null ? s.errorRate() : s.quantile(q);
          }
          return this.hooks.labelled(
            g.metric,
            side,
            side === 'canary' ? this.stepStarted : this.started,
          );
        };
        results.push(
          checkGuard(
            g,
            await value('canary', canary),
            g.relative ? await value('main', main) : null,
          ),
        );
      }
      const failed = results.some((r) => r.passed === false);
      if (failed) {
        // traffic first, the audit after: a failing canary gets no more requests
        this.phase = 'rolled_back';
        this.stop();
        this.hooks.setPercent(0);
        await this.hooks.decided({
          step: this.index,
          percent: 0,
          event: 'rolled_back',
          guards: results,
          canaryRequests: canary.requests,
        });
        return;
      }
      if (results.some((r) => r.passed === null)) return;
      if (this.index === this.plan.steps.length - 1) {
        this.phase = 'completed';
        this.stop();
        await this.hooks.decided({
          step: this.index,
          percent: 100,
          event: 'completed',
          guards: results,
          canaryRequests: canary.requests,
        });
        return;
      }
      this.index++;
      this.hooks.setPercent(this.plan.steps[this.index]);
      this.hooks.newStep();
      this.stepStarted = Date.now();
      await this.hooks.decided({
        step: this.index,
        percent: this.plan.steps[this.index],
        event: 'step',
        guards: results,
        canaryRequests: canary.requests,
      });
    } catch (err) {
      this.hooks.onError(err);
    } finally {
      this.busy = false;
    }
  }
}
