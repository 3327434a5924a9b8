/** `mlo stats`: the maturity figures of the production loop, from the store's records. */
import type { Command } from 'commander';
import type { MaturityStats } from '../index.js';
import { action, cwdOf, lib } from './common.js';
import { print, printJson } from './render/output.js';
import { renderTable } from './render/table.js';

export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description(
      'lead time, deployment frequency, promotion and pipeline success, change failure rate, time to detect and recover',
    )
    .option('--since <when>', 'the window: 30d, 12w or a date (default 90d)')
    .option('--model <name>', 'one model (default: all)')
    .option('--json', 'print the figures as JSON')
    .action(
      action(async (opts: { since?: string; model?: string; json?: boolean }, cmd: Command) => {
        const { openRepo, maturityStats, maturityRows } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const s = maturityStats(repo, { since: opts.since, model: opts.model });
          if (opts.json) return printJson(s);
          renderStats(s, maturityRows(s));
        } finally {
          repo.close();
        }
      }),
    );
}

function renderStats(s: MaturityStats, rows: string[][]): void {
  print(
    `${s.model ?? 'all models'}, ${s.window.since.slice(0, 10)} to ${s.window.until.slice(0, 10)}`,
  );
  print(renderTable(['figure', 'value', { header: 'n', align: 'right' }], rows));
}
