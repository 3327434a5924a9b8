/** `mlo monitor run|watch|incidents|retrain`: rules, alerts and retraining triggers. */
import type { Command } from 'commander';
import type { IncidentInfo, MonitorRunResult, RetrainResult } from '../index.js';
import { action, collect, cwdOf, lib } from './common.js';
import { color } from './render/color.js';
import { note, print, printJson, warn } from './render/output.js';
import { renderTable } from './render/table.js';

interface RunFlags {
  rule: string[];
  retrain: boolean;
  json?: boolean;
}

const num = (x: number | null): string => (x === null ? '-' : String(Number(x.toPrecision(4))));

const STATE = {
  ok: color.green('ok'),
  firing: color.red('FIRING'),
  no_data: color.yellow('no data'),
  error: color.red('error'),
};

export function registerMonitorCommands(program: Command): void {
  const monitor = program
    .command('monitor')
    .description('rules on live traffic (mlo.yaml monitor:), alerts, retraining triggers');

  monitor
    .command('run')
    .description(
      'evaluate every rule once, send alerts, run due retrainings (exit 1 when a rule fires)',
    )
    .option(
      '--rule <name>',
      'only this rule (repeatable; retrainings are not run then)',
      collect,
      [],
    )
    .option('--no-retrain', 'do not run retraining triggers')
    .option('--json', 'print the evaluation as JSON')
    .action(
      action(async (opts: RunFlags, cmd: Command) => {
        const { openRepo, runMonitors } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const r = await runMonitors(repo, {
            rules: opts.rule.length > 0 ? opts.rule : undefined,
            retrain: opts.retrain,
          });
          if (opts.json) printJson(r);
          else renderRun(r);
          return r.firing.length > 0 ? 1 : 0;
        } finally {
          repo.close();
        }
      }),
    );

  monitor
    .command('watch')
    .description('evaluate the rules on a schedule until stopped (Ctrl-C or SIGTERM)')
    .option('--every <duration>', 'between evaluations (default monitor.every, or 1m)')
    .option('--no-retrain', 'do not run retraining triggers')
    .option('--json', 'print each evaluation as one JSON line')
    .action(
      action(async (opts: { every?: string; retrain: boolean; json?: boolean }, cmd: Command) => {
        const { openRepo, watchMonitors, parseDuration } = await lib();
        const everyMs = opts.every === undefined ? undefined : parseDuration(opts.every, '--every');
        const repo = openRepo(cwdOf(cmd));
        const stop = new AbortController();
        const onSignal = (): void => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          await watchMonitors(repo, {
            everyMs,
            retrain: opts.retrain,
            signal: stop.signal,
            onResult: (r) => {
              if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
              else renderRun(r, true);
            },
            onRetrain: (r) => {
              if (opts.json) process.stdout.write(`${JSON.stringify({ retrain: r })}\n`);
              else renderRetrain(r);
            },
            onError: (err) => warn(err instanceof Error ? err.message : String(err)),
          });
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          repo.close();
        }
      }),
    );

  monitor
    .command('incidents')
    .description('incidents the rules opened, with their alert deliveries')
    .option('--open', 'only those still open')
    .option('--json', 'print them as JSON')
    .action(
      action(async (opts: { open?: boolean; json?: boolean }, cmd: Command) => {
        const { openRepo, listMonitorIncidents } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const list = listMonitorIncidents(repo, { open: opts.open });
          if (opts.json) return printJson(list);
          renderIncidents(list);
        } finally {
          repo.close();
        }
      }),
    );

  monitor
    .command('retrain')
    .description('run a retraining trigger now (mlo.yaml monitor.retrain), as a rule would')
    .argument('<trigger>', 'the trigger name')
    .option('--reason <text>', 'recorded on the runs and in the promotion audit', 'by hand')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (name: string, opts: { reason: string; json?: boolean }, cmd: Command) => {
        const { openRepo, loadMonitorConfig, runRetrain, MloError } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const config = loadMonitorConfig(repo.root);
          const trigger = config.retrain.find((t) => t.name === name);
          if (!trigger) {
            throw new MloError(
              'NOT_FOUND',
              `no trigger named "${name}" under monitor.retrain in mlo.yaml`,
              {
                hint: config.retrain.length
                  ? `triggers: ${config.retrain.map((t) => t.name).join(', ')}`
                  : undefined,
              },
            );
          }
          const r = await runRetrain(repo, config, trigger, opts.reason);
          if (opts.json) printJson(r);
          else renderRetrain(r);
          return r.status === 'succeeded' ? 0 : 1;
        } finally {
          repo.close();
        }
      }),
    );
}

function renderRun(r: MonitorRunResult, compact = false): void {
  if (compact) print(color.dim(`— ${r.at}`));
  print(
    renderTable(
      [
        'rule',
        'subject',
        'state',
        { header: 'value', align: 'right' },
        'when',
        { header: 'sample', align: 'right' },
        'window',
        'incident',
      ],
      r.rules.map((o) => [
        o.rule,
        o.subject ?? '-',
        STATE[o.state],
        num(o.value),
        o.when,
        o.state === 'no_data' ? `${o.sample} < ${o.minSample}` : String(o.sample),
        o.window,
        o.incident ? `#${o.incident.id} ${o.incident.change}` : '',
      ]),
    ),
  );
  for (const o of r.rules)
    if (o.state === 'error' || o.state === 'no_data') note(color.dim(`${o.rule}: ${o.summary}`));
  for (const d of r.deliveries) {
    const what = `${d.event} of incident #${d.incident} to ${d.destination}`;
    if (d.status === 'delivered')
      print(`sent ${what} (${d.attempts} attempt${d.attempts === 1 ? '' : 's'}, ${d.ms} ms)`);
    else
      warn(
        `${d.status === 'pending' ? 'will retry' : 'gave up on'} ${what}: ${d.error ?? 'no answer'}`,
      );
  }
  for (const x of r.retrain) renderRetrain(x);
}

function renderRetrain(r: RetrainResult): void {
  if (r.status === 'busy') {
    warn(
      `retraining ${r.trigger} not started: another retraining (pid ${r.holder?.pid} on ${r.holder?.host}, since ${r.holder?.since}) is running`,
    );
    return;
  }
  const mark = r.status === 'succeeded' ? color.green('succeeded') : color.red('failed');
  print(`retraining ${color.bold(r.trigger)} #${r.id} ${mark} (${r.reason})`);
  for (const s of r.steps) {
    print(`  ${s.argv.join(' ')}: exit ${s.exitCode ?? 'none'} in ${(s.ms / 1000).toFixed(1)} s`);
    if (s.exitCode !== 0 && s.tail.trim())
      print(
        color.dim(
          s.tail
            .trim()
            .split('\n')
            .slice(-5)
            .map((l) => `    ${l}`)
            .join('\n'),
        ),
      );
  }
}

function renderIncidents(list: IncidentInfo[]): void {
  if (list.length === 0) {
    print('no incidents');
    return;
  }
  print(
    renderTable(
      ['#', 'rule', 'subject', 'severity', 'opened', 'resolved', 'alerts'],
      list.map((i) => [
        String(i.id),
        i.rule,
        i.subject,
        i.severity,
        i.openedAt,
        i.resolvedAt ?? color.red('open'),
        i.deliveries.map((d) => `${d.destination}:${d.event}:${d.status}`).join(' '),
      ]),
    ),
  );
}
