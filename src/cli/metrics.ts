/** `mlo metrics history` (a run's series) and `mlo metrics diff` (metric files vs a git revision). */
import type { Command } from 'commander';
import { action, cwdOf, lib } from './common.js';
import { color } from './render/color.js';
import { formatNumber, formatTime } from './render/format.js';
import { print, printJson } from './render/output.js';
import { sparkline } from './render/sparkline.js';
import { renderTable } from './render/table.js';
import { renderDiff } from './pipeline.js';

/** Points listed in the terminal before sampling kicks in. */
const MAX_ROWS = 30;

export function registerMetricsCommands(program: Command): void {
  const metrics = program
    .command('metrics')
    .description("a run's metric history; metric files against git");

  metrics
    .command('history')
    .description('every logged value of one metric of a run, with a sparkline')
    .argument('<id>', 'run id, prefix or name')
    .argument('<key>', 'metric key')
    .option('--json', 'print {"key","points":[{"step","value","timestamp"}]}')
    .action(
      action(async (id: string, key: string, opts: { json?: boolean }, cmd: Command) => {
        const { openRepo, metricHistory } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const h = metricHistory(repo, id, key);
          if (opts.json) return printJson({ run: h.run, key: h.key, points: h.points });
          const values = h.points.map((p) => p.value);
          const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
          const last = h.points[h.points.length - 1];
          print(`${color.bold(key)}  ${color.cyan(sparkline(values))}`);
          print(
            color.dim(
              `${h.points.length} point(s)  min ${formatNumber(finite.length ? Math.min(...finite) : null)}  max ${formatNumber(finite.length ? Math.max(...finite) : null)}  last ${formatNumber(last.value)} (step ${last.step})`,
            ),
          );
          const shown =
            h.points.length <= MAX_ROWS
              ? h.points
              : Array.from(
                  { length: MAX_ROWS },
                  (_, i) => h.points[Math.round((i * (h.points.length - 1)) / (MAX_ROWS - 1))],
                );
          print(
            renderTable(
              [{ header: 'step', align: 'right' }, { header: 'value', align: 'right' }, 'time'],
              shown.map((p) => [String(p.step), formatNumber(p.value), formatTime(p.timestamp)]),
            ),
          );
          if (shown.length < h.points.length) {
            print(
              color.dim(
                `${shown.length} of ${h.points.length} points shown, evenly spaced (--json for all)`,
              ),
            );
          }
        } finally {
          repo.close();
        }
      }),
    );

  metrics
    .command('diff')
    .description('metric files of the workspace against a git revision')
    .argument('[rev]', 'git revision', 'HEAD')
    .option('-a, --all', 'also show unchanged metrics')
    .option('--json', 'print {"rev","entries":[...]}')
    .action(
      action(async (rev: string, opts: { all?: boolean; json?: boolean }, cmd: Command) => {
        const { openRepo, metricsDiff } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const d = await metricsDiff(repo, { rev, all: opts.all });
          if (opts.json) return printJson(d);
          renderDiff(d, 'metric', true);
        } finally {
          repo.close();
        }
      }),
    );
}
