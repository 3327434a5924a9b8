/** `mlo eval`: run a registered model on a data file and show (and store) its metrics. */
import type { Command } from 'commander';
import type { EvaluationResult } from '../index.js';
import { action, collect, cwdOf, lib, parsePositiveInt } from './common.js';
import { fmtNum } from './model.js';
import { color } from './render/color.js';
import { print, printJson, warn } from './render/output.js';
import { createProgress } from './render/progress.js';
import { renderTable } from './render/table.js';

interface EvalFlags {
  data: string;
  target: string;
  features?: string;
  slice?: string[];
  batchRows?: number;
  json?: boolean;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('run a model on a data file: classification/regression metrics, latency, slices')
    .argument('<ref>', 'NAME, NAME@VERSION or NAME@ALIAS')
    .requiredOption('--data <file>', 'CSV, Parquet or JSON Lines file')
    .requiredOption('--target <column>', 'the column holding the true label or value')
    .option('--features <a,b,c>', 'feature columns in model input order (default: as registered)')
    .option(
      '--slice <column>',
      'also compute the metrics per group of this column (repeatable)',
      collect,
      [],
    )
    .option('--batch-rows <n>', 'rows per model run', parsePositiveInt('--batch-rows'))
    .option('--json', 'print {"metrics": {...}, ...} as JSON')
    .action(
      action(async (ref: string, opts: EvalFlags, cmd: Command) => {
        const { openRepo, evaluateModel, splitFeatureList } = await lib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        const progress = await createProgress();
        try {
          const r = await evaluateModel(repo, {
            model: ref,
            data: opts.data,
            target: opts.target,
            features: opts.features === undefined ? undefined : splitFeatureList(opts.features),
            slices: opts.slice,
            batchRows: opts.batchRows,
            cwd,
            onProgress: progress.onProgress,
          });
          progress.stop();
          for (const w of r.warnings) warn(w);
          if (opts.json) return printJson(r);
          renderEvaluation(r);
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );
}

export function renderEvaluation(r: EvaluationResult): void {
  print(
    `${color.bold(`${r.model.name}@${r.model.version}`)} on ${r.data.path} (${r.data.rows.toLocaleString('en-US')} rows, target ${r.target}, ${r.task})`,
  );
  print(
    renderTable(
      ['metric', { header: 'value', align: 'right' }, ''],
      Object.entries(r.metrics).map(([k, v]) => [k, fmtNum(v), color.dim(r.reasons[k] ?? '')]),
      { indent: '  ' },
    ),
  );
  if (r.classes && r.classes.confusionMatrix.labels.length <= 20) {
    const { labels, matrix } = r.classes.confusionMatrix;
    print('\nconfusion matrix (rows: true, columns: predicted)');
    print(
      renderTable(
        ['', ...labels.map((l) => ({ header: String(l), align: 'right' as const }))],
        matrix.map((row, i) => [String(labels[i]), ...row.map(String)]),
        { indent: '  ' },
      ),
    );
  }
  for (const [column, slice] of Object.entries(r.slices)) {
    const names = Object.keys(slice.groups[0]?.metrics ?? {});
    // (evaluations stored before ratios existed have none)
    const ratios = slice.ratios ?? {};
    print(`\nby ${column}`);
    print(
      renderTable(
        [
          column,
          { header: 'rows', align: 'right' },
          ...names.map((n) => ({ header: n, align: 'right' as const })),
        ],
        [
          ...slice.groups.map((g) => [
            g.group === null ? '(missing)' : String(g.group),
            String(g.rows),
            ...names.map((n) => fmtNum(g.metrics[n])),
          ]),
          [color.dim('gap'), '', ...names.map((n) => color.dim(fmtNum(slice.gaps[n]?.value)))],
          [color.dim('ratio'), '', ...names.map((n) => color.dim(fmtNum(ratios[n]?.value)))],
        ],
        { indent: '  ' },
      ),
    );
    const odds = slice.gaps.equalized_odds;
    if (odds) {
      print(
        color.dim(
          `  equalized odds (worse of tpr and fpr): gap ${fmtNum(odds.value)}, ratio ${fmtNum(ratios.equalized_odds?.value)}`,
        ),
      );
    }
  }
}
