/**
 * Which retraining triggers are due after an evaluation: a schedule whose period has
 * passed since its last run, a rule that opened an incident since it last ran, or
 * enough new labels or logged predictions since then. A trigger that never ran is due
 * as soon as its condition holds (a schedule: at once).
 */
import { resolveModel } from '../../registry/index.js';
import type { Repo } from '../../repo/index.js';
import {
  countLabelsReceived,
  countPredictionRows,
  getIncident,
  lastRetrainRun,
} from '../../store/index.js';
import type { MonitorConfig, TriggerConfig } from '../alerts/config.js';
import type { RuleOutcome } from '../alerts/run.js';
import { formatDuration } from '../../util/duration.js';

export interface DueTrigger {
  trigger: TriggerConfig;
  reason: string;
}

export function dueTriggers(
  repo: Repo,
  config: MonitorConfig,
  outcomes: readonly RuleOutcome[],
  now: number,
): DueTrigger[] {
  const due: DueTrigger[] = [];
  for (const t of config.retrain) {
    const last = lastRetrainRun(repo.store, t.name);
    const since = last?.started_ms ?? 0;
    switch (t.kind) {
      case 'every':
        if (!last || now - since >= t.everyMs!) {
          due.push({
            trigger: t,
            reason: last ? `schedule: every ${formatDuration(t.everyMs!)}` : 'schedule: first run',
          });
        }
        break;
      case 'on': {
        const fired = outcomes.find(
          (o) =>
            t.on!.includes(o.rule) &&
            o.state === 'firing' &&
            o.incident !== null &&
            incidentOpenedAfter(repo, o, since),
        );
        if (fired)
          due.push({
            trigger: t,
            reason: `rule ${fired.rule} fired: ${fired.summary} (incident #${fired.incident!.id})`,
          });
        break;
      }
      case 'new_labels': {
        const n = countLabelsReceived(repo.store, since, now + 1);
        if (n >= t.count!)
          due.push({
            trigger: t,
            reason: `${n} new label(s) since ${last ? 'the last retraining' : 'the start'} (>= ${t.count})`,
          });
        break;
      }
      case 'new_predictions': {
        if (config.model === null) break;
        const name = resolveModel(repo, config.model).name;
        const n = countPredictionRows(repo.store, {
          model: name,
          sinceMs: since,
          untilMs: now + 1,
        });
        if (n >= t.count!)
          due.push({
            trigger: t,
            reason: `${n} new logged prediction(s) of ${name} since ${last ? 'the last retraining' : 'the start'} (>= ${t.count})`,
          });
        break;
      }
    }
  }
  return due;
}

function incidentOpenedAfter(repo: Repo, o: RuleOutcome, since: number): boolean {
  const row = getIncident(repo.store, o.incident!.id);
  return row !== undefined && row.opened_ms >= since;
}
