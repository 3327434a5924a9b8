/** `mlo baseline create|list|show|rm`: reference data profiles for drift checks. */
import type { Command } from 'commander';
import type { BaselineColumnInfo, BaselineInfo } from '../index.js';
import { action, collect, cwdOf, driftLib, parsePositiveInt } from './common.js';
import { color } from './render/color.js';
import { print, printJson, warn } from './render/output.js';
import { createProgress } from './render/progress.js';
import { renderTable } from './render/table.js';

interface CreateFlags {
  data: string;
  model?: string;
  columns?: string;
  target?: string;
  prediction?: string;
  score?: string;
  kind?: string[];
  exactLimit?: number;
  force?: boolean;
  json?: boolean;
}

const list = (s: string | undefined): string[] | undefined =>
  s === undefined
    ? undefined
    : s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');

export function registerBaselineCommands(program: Command): void {
  const baseline = program
    .command('baseline')
    .description('profiles of reference data that drift checks compare against');

  baseline
    .command('create')
    .description('profile a data file (one streaming pass) and store it as a baseline')
    .argument('<name>', 'baseline name')
    .requiredOption('--data <file>', 'reference data: CSV, TSV, Parquet or JSON Lines')
    .option('--model <ref>', 'tie the baseline to a model version (NAME@VERSION, NAME@ALIAS)')
    .option('--columns <a,b>', 'profile only these columns (plus target and prediction)')
    .option('--target <col>', 'the target (label) column')
    .option('--prediction <col>', 'the model output column')
    .option(
      '--score <col>',
      "the model's predicted score (probability) column; drift checks of logged predictions fill it from the logged probabilities",
    )
    .option(
      '--kind <col=kind>',
      'column kind override, numeric or categorical (repeatable, or comma-separated)',
      collect,
    )
    .option(
      '--exact-limit <n>',
      'numeric values kept exactly per column (default 100,000); beyond, a KLL sketch (rank error ~1e-4)',
      parsePositiveInt('--exact-limit'),
    )
    .option('-f, --force', 'replace an existing baseline of that name (history is kept)')
    .option('--json', 'print the baseline as JSON')
    .action(
      action(async (name: string, opts: CreateFlags, cmd: Command) => {
        const { openRepo, createBaseline, parseKindOverrides } = await driftLib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        const progress = await createProgress();
        try {
          const b = await createBaseline(repo, {
            name,
            data: opts.data,
            cwd,
            model: opts.model,
            columns: list(opts.columns),
            target: opts.target,
            prediction: opts.prediction,
            score: opts.score,
            kinds: parseKindOverrides(opts.kind ?? []),
            exactLimit: opts.exactLimit,
            force: opts.force,
            onProgress: progress.onProgress,
          });
          progress.stop();
          if (opts.json) return printJson(b);
          const numeric = b.columns.filter((c) => c.kind === 'numeric').length;
          print(
            `${color.green('created')} baseline ${color.bold(b.name)} from ${b.source}: ` +
              `${b.rows.toLocaleString('en-US')} rows, ${b.columns.length} columns ` +
              `(${numeric} numeric, ${b.columns.length - numeric} categorical)` +
              (b.model ? `, model ${b.model.name}@${b.model.version}` : ''),
          );
          renderBaselineWarnings(b);
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );

  baseline
    .command('list')
    .description('list baselines')
    .option('--json', 'print {"baselines": [...]}')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { openRepo, listBaselines } = await driftLib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const baselines = listBaselines(repo);
          if (opts.json) return printJson({ baselines });
          if (baselines.length === 0) {
            print(color.dim('no baselines: mlo baseline create NAME --data FILE'));
            return;
          }
          print(
            renderTable(
              [
                'name',
                'model',
                { header: 'rows', align: 'right' },
                { header: 'columns', align: 'right' },
                'source',
                'created',
              ],
              baselines.map((b) => [
                color.bold(b.name),
                b.model ? `${b.model.name}@${b.model.version}` : color.dim('-'),
                b.rows.toLocaleString('en-US'),
                String(b.columns),
                b.source,
                b.created_at.replace('T', ' ').slice(0, 16),
              ]),
            ),
          );
        } finally {
          repo.close();
        }
      }),
    );

  baseline
    .command('show')
    .description("show a baseline's columns and their profiles")
    .argument('[name]', 'baseline name')
    .option('--model <ref>', "the model version's baseline instead of a name")
    .option('--json', 'print the baseline as JSON')
    .action(
      action(
        async (
          name: string | undefined,
          opts: { model?: string; json?: boolean },
          cmd: Command,
        ) => {
          const { openRepo, showBaseline, MloError } = await driftLib();
          if ((name === undefined) === (opts.model === undefined)) {
            throw new MloError('USAGE', 'name a baseline, or give --model REF');
          }
          const repo = openRepo(cwdOf(cmd));
          try {
            const b = showBaseline(repo, { name, model: opts.model });
            if (opts.json) return printJson(b);
            print(
              `${color.bold(b.name)}  ${b.source}  ${b.rows.toLocaleString('en-US')} rows  ` +
                `created ${b.created_at.replace('T', ' ').slice(0, 16)}` +
                (b.model ? `  model ${b.model.name}@${b.model.version}` : ''),
            );
            print();
            print(renderColumns(b.columns));
            renderBaselineWarnings(b);
          } finally {
            repo.close();
          }
        },
      ),
    );

  baseline
    .command('rm')
    .description('remove a baseline and its drift history')
    .argument('<name>', 'baseline name')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (name: string, opts: { json?: boolean }, cmd: Command) => {
        const { openRepo, removeBaseline } = await driftLib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const r = removeBaseline(repo, name);
          if (opts.json) return printJson(r);
          print(
            `removed baseline ${r.name}` +
              (r.reports ? ` and ${r.reports} drift report${r.reports === 1 ? '' : 's'}` : ''),
          );
        } finally {
          repo.close();
        }
      }),
    );
}

function renderBaselineWarnings(b: BaselineInfo): void {
  for (const s of b.skipped) warn(`column "${s.name}" not profiled: ${s.reason}`);
  for (const i of b.issues) {
    const ex = i.examples[0];
    warn(
      `column "${i.column}": ${i.mismatches} value(s) are not ${i.kind}` +
        (ex ? ` (e.g. ${JSON.stringify(ex.value)} in row ${ex.rowIndex + 1})` : '') +
        '; counted as nulls',
    );
  }
  for (const c of b.columns) if (c.count === 0) warn(`column "${c.name}" has no values`);
}

const n = (x: number | null | undefined): string =>
  x === null || x === undefined ? '-' : String(Number(x.toPrecision(4)));

function renderColumns(columns: BaselineColumnInfo[]): string {
  return renderTable(
    [
      'column',
      'kind',
      'role',
      { header: 'values', align: 'right' },
      { header: 'nulls', align: 'right' },
      'summary',
    ],
    columns.map((c) => {
      let summary: string;
      if ('top' in c.summary) {
        const s = c.summary;
        const total = c.count || 1;
        summary =
          `${s.distinct ?? '>' + s.top.length} distinct: ` +
          s.top
            .slice(0, 4)
            .map((t) => `${t.category} ${((t.count / total) * 100).toFixed(0)}%`)
            .join(', ') +
          (s.top.length > 4 || s.other > 0 ? ', ...' : '');
      } else {
        const s = c.summary;
        summary =
          c.count === 0
            ? '-'
            : `mean ${n(s.mean)} sd ${n(s.std)} min ${n(s.min)} p50 ${n(s.quantiles.p50)} max ${n(s.max)}` +
              (s.exact ? '' : color.dim(` (sketch ±${(s.rank_error * 100).toPrecision(2)}% rank)`));
      }
      const nullShare =
        c.count + c.nulls === 0 ? '-' : `${((c.nulls / (c.count + c.nulls)) * 100).toFixed(1)}%`;
      return [
        color.bold(c.name),
        c.kind + (c.kind_source === 'override' ? '*' : ''),
        c.role,
        c.count.toLocaleString('en-US'),
        nullShare,
        summary,
      ];
    }),
  );
}
