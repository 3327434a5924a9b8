/** `mlo report`: metrics, params, validations, gate decisions and drift for a PR comment. */
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { ReportFormat } from '../index.js';
import { action, cwdOf, lib } from './common.js';
import { note, print, printJson } from './render/output.js';

interface ReportFlags {
  format: ReportFormat;
  run?: string;
  since?: string;
  out?: string;
  json?: boolean;
  promotion: string[];
}

function parseFormat(value: string): ReportFormat {
  if (value !== 'markdown' && value !== 'html') {
    throw new InvalidArgumentError(`--format must be markdown or html, got "${value}"`);
  }
  return value;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'a summary for a pull-request comment: metrics and params against the base revision, a run against its base run, validations, gate decisions, drift',
    )
    .option('-f, --format <format>', 'markdown or html', parseFormat, 'markdown')
    .option(
      '--since <rev>',
      'git revision to compare with (default: merge-base with origin/main, main or master, else HEAD)',
    )
    .option(
      '--run <id>',
      'also compare this run with the newest finished run like it on the base commit',
    )
    .option(
      '--promotion <file>',
      'also show the gate decision saved from `mlo promote --dry-run --json` (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('-o, --out <file>', 'write the report to this file instead of stdout')
    .option('--json', 'print the gathered data as one JSON document (--out still gets the report)')
    .action(
      action(async (opts: ReportFlags, cmd: Command) => {
        const { openRepo, gatherReport, renderReport, writeReportFile, readPromotionFile } =
          await lib();
        const cwd = cwdOf(cmd);
        const promotions = opts.promotion.map((file) => readPromotionFile(resolve(cwd, file)));
        const repo = openRepo(cwd);
        try {
          const data = await gatherReport(repo, { since: opts.since, run: opts.run, promotions });
          if (opts.out !== undefined) {
            writeReportFile(repo, opts.out, renderReport(data, opts.format), { cwd });
            if (!opts.json) note(`wrote ${opts.out}`);
          }
          if (opts.json) printJson(data);
          else if (opts.out === undefined) print(renderReport(data, opts.format));
        } finally {
          repo.close();
        }
      }),
    );
}
