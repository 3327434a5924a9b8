/** `mlo experiments list`: experiments as records (MLflow's, and mlo's `--experiment` names). */
import type { Command } from 'commander';
import { action, cwdOf, lib } from './common.js';
import { print, printJson } from './render/output.js';
import { renderTable } from './render/table.js';

export function registerExperimentCommands(program: Command): void {
  const experiments = program
    .command('experiments')
    .description('experiments: the groups runs are filed under (mlo runs list --experiment NAME)');
  experiments
    .command('list')
    .description('list experiments with their run counts')
    .option('-a, --all', 'also experiments deleted through the MLflow API')
    .option('--json', 'print {"experiments":[...]}')
    .action(
      action(async (opts: { all?: boolean; json?: boolean }, cmd: Command) => {
        const { openRepo, listExperiments } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const list = listExperiments(repo, { all: opts.all });
          if (opts.json) return printJson({ experiments: list });
          print(
            renderTable(
              [
                { header: 'id', align: 'right' },
                'name',
                { header: 'runs', align: 'right' },
                'state',
                'created',
              ],
              list.map((e) => [
                e.id,
                e.name,
                String(e.runs),
                e.lifecycle,
                e.created.slice(0, 19).replace('T', ' '),
              ]),
            ),
          );
        } finally {
          repo.close();
        }
      }),
    );
}
