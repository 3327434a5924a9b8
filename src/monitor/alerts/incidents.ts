/** Incidents and their deliveries, as `mlo monitor incidents` shows them. */
import type { Repo } from '../../repo/index.js';
import { listDeliveries, listIncidents } from '../../store/index.js';

export interface IncidentInfo {
  id: number;
  rule: string;
  subject: string;
  severity: string;
  openedAt: string;
  resolvedAt: string | null;
  value: number | null;
  threshold: number | null;
  summary: string;
  deliveries: {
    destination: string;
    event: 'trigger' | 'resolve';
    status: string;
    attempts: number;
    error: string | null;
    deliveredAt: string | null;
  }[];
}

export function listMonitorIncidents(
  repo: Repo,
  options: { open?: boolean; limit?: number } = {},
): IncidentInfo[] {
  const iso = (ms: number | null): string | null =>
    ms === null ? null : new Date(ms).toISOString();
  return listIncidents(repo.store, { open: options.open, limit: options.limit ?? 50 }).map((i) => ({
    id: i.id,
    rule: i.rule,
    subject: i.subject,
    severity: i.severity,
    openedAt: iso(i.opened_ms)!,
    resolvedAt: iso(i.resolved_ms),
    value: i.value,
    threshold: i.threshold,
    summary: i.summary,
    deliveries: listDeliveries(repo.store, i.id).map((d) => ({
      destination: d.destination,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      error: d.last_error,
      deliveredAt: iso(d.delivered_ms),
    })),
  }));
}
