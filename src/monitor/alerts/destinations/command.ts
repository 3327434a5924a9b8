/**
 * A command destination: the argv from mlo.yaml run without a shell, in the project
 * root, with the alert as JSON on stdin and in the environment (MLO_ALERT_EVENT,
 * MLO_ALERT_RULE, MLO_ALERT_SUBJECT, MLO_ALERT_SEVERITY, MLO_ALERT_SUMMARY,
 * MLO_ALERT_VALUE, MLO_ALERT_THRESHOLD, MLO_ALERT_INCIDENT, MLO_ALERT_DEDUP_KEY).
 * Values reach it as data, never as shell text. Exit 0 is delivered; anything else is
 * retried.
 */
import { spawn } from 'node:child_process';
import { parseDuration } from '../../../util/duration.js';
import type { Alert } from '../alert.js';
import type { DestinationConfig } from '../config.js';
import type { Sender } from './types.js';

type CommandDest = Extract<DestinationConfig, { type: 'command' }>;

export function alertEnv(alert: Alert): Record<string, string> {
  return {
    MLO_ALERT_EVENT: alert.event,
    MLO_ALERT_RULE: alert.rule.name,
    MLO_ALERT_SUBJECT: alert.subject,
    MLO_ALERT_SEVERITY: alert.rule.severity,
    MLO_ALERT_SUMMARY: alert.summary,
    MLO_ALERT_VALUE: alert.value === null ? '' : String(alert.value),
    MLO_ALERT_THRESHOLD: alert.threshold === null ? '' : String(alert.threshold),
    MLO_ALERT_INCIDENT: String(alert.incident.id),
    MLO_ALERT_DEDUP_KEY: alert.incident.dedup_key,
  };
}

export const sendCommand: Sender<CommandDest> = (alert, d, ctx) =>
  new Promise((resolve) => {
    const timeoutMs = d.timeout === undefined ? 30_000 : parseDuration(d.timeout, 'timeout');
    const [cmd, ...args] = d.run;
    let stderr = '';
    let settled = false;
    const done = (r: Awaited<ReturnType<Sender>>): void => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    const child = spawn(cmd, args, {
      cwd: ctx.cwd,
      env: { ...process.env, ...alertEnv(alert) },
      stdio: ['pipe', 'ignore', 'pipe'],
      shell: false,
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done({ ok: false, retry: true, error: `${cmd} did not finish within ${timeoutMs} ms` });
    }, timeoutMs);
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      if (stderr.length < 2000) stderr += s;
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      done({ ok: false, retry: true, error: `${cmd}: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done({ ok: true, retry: false });
      else {
        done({
          ok: false,
          retry: true,
          error: `${cmd} exited ${code ?? signal}${stderr ? `: ${stderr.trim().slice(0, 300)}` : ''}`,
        });
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(alert));
  });
