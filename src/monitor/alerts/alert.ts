/**
 * An alert as mlo sends it: one incident's trigger or resolve event. This object is
 * the body of the generic webhook and the stdin of a command destination; the Slack,
 * Teams and PagerDuty destinations translate it into their own formats.
 */
import type { IncidentRow } from '../../store/index.js';
import type { Severity } from './config.js';

export interface Alert {
  version: 1;
  event: 'trigger' | 'resolve';
  /** the project's directory name */
  project: string;
  incident: {
    id: number;
    /** the same for the trigger and the resolve of one incident (PagerDuty's dedup_key) */
    dedup_key: string;
    opened_at: string;
    resolved_at: string | null;
  };
  rule: { name: string; when: string; window: string; severity: Severity };
  /** what the rule watched: a model version (NAME@VERSION) */
  subject: string;
  value: number | null;
  threshold: number | null;
  /** rows, labels or requests the value was measured on */
  sample: number | null;
  summary: string;
  /** when this event was sent */
  at: string;
}

/** What an incident row keeps in detail_json, so an alert can be built after the rule changed. */
export interface IncidentDetail {
  when: string;
  window: string;
  sample: number | null;
  /** the value and sample when it resolved */
  resolved?: { value: number | null; sample: number | null; summary: string };
}

export function alertOf(
  incident: IncidentRow,
  event: 'trigger' | 'resolve',
  project: string,
  nowMs: number,
): Alert {
  const detail = JSON.parse(incident.detail_json ?? '{}') as Partial<IncidentDetail>;
  const resolved = event === 'resolve' ? detail.resolved : undefined;
  return {
    version: 1,
    event,
    project,
    incident: {
      id: incident.id,
      dedup_key: incident.dedup_key,
      opened_at: new Date(incident.opened_ms).toISOString(),
      resolved_at:
        incident.resolved_ms === null ? null : new Date(incident.resolved_ms).toISOString(),
    },
    rule: {
      name: incident.rule,
      when: detail.when ?? '',
      window: detail.window ?? '',
      severity: incident.severity as Severity,
    },
    subject: incident.subject,
    value: resolved ? resolved.value : incident.value,
    threshold: incident.threshold,
    sample: resolved ? resolved.sample : (detail.sample ?? null),
    summary: resolved ? `resolved: ${resolved.summary}` : incident.summary,
    at: new Date(nowMs).toISOString(),
  };
}

export function formatValue(x: number | null): string {
  return x === null ? '-' : String(Number(x.toPrecision(4)));
}
