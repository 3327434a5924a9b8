/** `mlo predictions export`: the prediction log out, with the labels that joined it. */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { PredictionExportFormat } from '../index.js';
import { action, cwdOf, lib } from './common.js';
import { note, print, printJson } from './render/output.js';

interface ExportFlags {
  model: string;
  since?: string;
  until?: string;
  role?: 'primary' | 'shadow';
  format: string;
  out?: string;
  json?: boolean;
}

export function registerPredictionsCommands(program: Command): void {
  const predictions = program
    .command('predictions')
    .description('the prediction log mlo serve --log-predictions keeps');

  predictions
    .command('export')
    .description(
      'features, outputs, version, route, latency and the label where known, as JSON lines, CSV or Parquet',
    )
    .requiredOption('--model <ref>', 'NAME (every version), NAME@VERSION or NAME@ALIAS')
    .option('--since <when>', 'only rows this recent: 30m, 24h, 7d or a date')
    .option('--until <when>', 'only rows before this')
    .addOption(
      new Option(
        '--role <role>',
        "the answers clients got (primary, default) or a shadow's",
      ).choices(['primary', 'shadow']),
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['jsonl', 'csv', 'parquet'])
        .default('jsonl'),
    )
    .option('-o, --out <file>', 'write this file (default: stdout; Parquet needs a file)')
    .option('--json', 'with --out: print the counts as JSON')
    .action(
      action(async (opts: ExportFlags, cmd: Command) => {
        const { openRepo, exportPredictions } = await lib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        try {
          const r = await exportPredictions(repo, {
            model: opts.model,
            since: opts.since,
            until: opts.until,
            role: opts.role,
            format: opts.format as PredictionExportFormat,
            out: opts.out === undefined ? undefined : resolve(cwd, opts.out),
            write: (chunk) => process.stdout.write(chunk),
          });
          const summary = `${r.rows.toLocaleString('en-US')} row(s), ${r.labelled.toLocaleString('en-US')} with a label`;
          if (opts.out === undefined) note(summary);
          else if (opts.json) printJson(r);
          else print(`${summary} → ${opts.out}`);
        } finally {
          repo.close();
        }
      }),
    );
}
