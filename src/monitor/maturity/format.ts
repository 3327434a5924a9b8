/** The figures as rows of text (figure, value, count) for the CLI table and mlo report. */
import type { Durations, MaturityStats, Rate } from './maturity.js';

const hours = (d: Durations): string => {
  if (d.median === null) return '-';
  const f = (h: number): string => (h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} d`);
  return `${f(d.median)} median, ${f(d.p90!)} p90`;
};

const pct = (r: Rate): string =>
  r.value === null ? '-' : `${(r.value * 100).toFixed(1)}% (${r.of[0]} of ${r.of[1]})`;

export function maturityRows(s: MaturityStats): [string, string, string][] {
  const fromReg = s.leadTime.fromRegistration;
  return [
    [
      'lead time (commit → deploy)',
      hours(s.leadTime),
      `${s.leadTime.n}${fromReg ? ` (${fromReg} from registration)` : ''}`,
    ],
    [
      'deployment frequency',
      `${s.deploymentFrequency.perWeek.toFixed(2)} / week`,
      String(s.deploymentFrequency.deployments),
    ],
    ['promotion success rate', pct(s.promotionSuccessRate), String(s.promotionSuccessRate.of[1])],
    ['pipeline success rate', pct(s.pipelineSuccessRate), String(s.pipelineSuccessRate.of[1])],
    ['change failure rate', pct(s.changeFailureRate), String(s.changeFailureRate.of[1])],
    ['time to detect', hours(s.timeToDetect), String(s.timeToDetect.n)],
    ['time to recover', hours(s.timeToRecover), String(s.timeToRecover.n)],
  ];
}
