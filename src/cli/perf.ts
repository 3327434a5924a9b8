/** `mlo perf`: live performance on labelled traffic, comparisons, and their history. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Figure, PerfComparison, PerfGroup, PerfHistoryEntry, PerfResult } from '../index.js';
import { action, collect, cwdOf, lib, parsePositiveInt } from './common.js';
import { color } from './render/color.js';
import { print, printJson, warn } from './render/output.js';
import { renderTable } from './render/table.js';

interface PerfFlags {
  model?: string;
  since?: string;
  by?: 'version' | 'route' | 'day' | 'slice';
  slice: string[];
  compare?: string;
  role?: 'primary' | 'shadow';
  minLabels?: number;
  confidence?: number;
  seed?: number;
  resamples?: number;
  save: boolean;
  failOnDrop?: boolean;
  failOnWorse?: boolean;
  history?: boolean;
  limit?: number;
  json?: boolean;
}

function parseConfidence(value: string): number {
  const x = Number(value);
  if (!(x > 0 && x < 1))
    throw new InvalidArgumentError(`--confidence must be between 0 and 1, got "${value}"`);
  return x;
}

function parseSeed(value: string): number {
  const x = Number(value);
  if (!Number.isInteger(x) || x < 0)
    throw new InvalidArgumentError(`--seed must be a whole number >= 0, got "${value}"`);
  return x;
}

export function registerPerfCommands(program: Command): void {
  program
    .command('perf')
    .description(
      'live performance on labelled traffic: eval metrics with confidence intervals, concept drift, A/B',
    )
    .option('--model <ref>', 'NAME (every version), NAME@VERSION or NAME@ALIAS (required)')
    .option('--since <when>', 'only this recent (30m, 24h, 7d) or since a date')
    .addOption(
      new Option('--by <what>', 'one group per version, route, day or slice').choices([
        'version',
        'route',
        'day',
        'slice',
      ]),
    )
    .option(
      '--slice <column>',
      'an input feature: metrics per group, gaps and ratios (repeatable; --by slice groups by the first)',
      collect,
      [],
    )
    .option(
      '--compare <a,b>',
      'compare B with A: aliases or versions of the model, or routes (main, canary, shadow)',
    )
    .addOption(
      new Option('--role <role>', "the answers clients got (primary) or a shadow's").choices([
        'primary',
        'shadow',
      ]),
    )
    .option(
      '--min-labels <n>',
      'below this many labels there is no verdict (default 100)',
      parsePositiveInt('--min-labels'),
    )
    .option('--confidence <x>', 'of the intervals (default 0.95)', parseConfidence)
    .option(
      '--seed <n>',
      'of the bootstrap (default fixed: the same data gives the same intervals)',
      parseSeed,
    )
    .option(
      '--resamples <n>',
      'bootstrap resamples (default 1000, or 200 past 50,000 rows)',
      parsePositiveInt('--resamples'),
    )
    .option('--no-save', 'do not record the result in the perf history')
    .option(
      '--fail-on-drop',
      'exit 1 when a version dropped significantly below its holdout evaluation',
    )
    .option('--fail-on-worse', 'with --compare: exit 1 when B is worse than A')
    .option('--history', "print the model's stored results instead (oldest first)")
    .option(
      '--limit <n>',
      'with --history: the latest N results (default 50)',
      parsePositiveInt('--limit'),
    )
    .option('--json', 'print the result as one JSON document')
    .action(
      action(async (opts: PerfFlags, cmd: Command) => {
        const { openRepo, measurePerformance, comparePerformance, perfHistory, MloError } =
          await lib();
        const model = opts.model;
        if (model === undefined)
          throw new MloError('USAGE', "required option '--model <ref>' not specified");
        const repo = openRepo(cwdOf(cmd));
        try {
          if (opts.history) {
            const h = perfHistory(repo, model.split('@')[0], { limit: opts.limit });
            if (opts.json) printJson(h);
            else renderHistory(h);
            return 0;
          }
          const bootstrap =
            opts.resamples === undefined ? undefined : { resamples: opts.resamples };
          if (opts.compare !== undefined) {
            const sides = opts.compare.split(',');
            if (sides.length !== 2)
              throw new MloError(
                'USAGE',
                `--compare expects A,B (two sides), got "${opts.compare}"`,
              );
            if (opts.by !== undefined || opts.slice.length > 0 || opts.role !== undefined) {
              throw new MloError(
                'USAGE',
                '--compare does not take --by, --slice or --role (each side says which answers)',
              );
            }
            const c = await comparePerformance(repo, {
              model,
              sides: [sides[0], sides[1]],
              since: opts.since,
              minLabels: opts.minLabels,
              confidence: opts.confidence,
              seed: opts.seed,
              bootstrap,
            });
            if (opts.json) printJson(c);
            else renderComparison(c);
            return opts.failOnWorse && c.verdict === 'worse' ? 1 : 0;
          }
          const r = await measurePerformance(repo, {
            model,
            since: opts.since,
            by: opts.by,
            slices: opts.slice,
            role: opts.role,
            minLabels: opts.minLabels,
            confidence: opts.confidence,
            seed: opts.seed,
            bootstrap,
            save: opts.save,
          });
          for (const w of r.warnings) warn(w);
          if (opts.json) printJson(r);
          else renderPerf(r);
          return opts.failOnDrop && r.verdict === 'drop' ? 1 : 0;
        } finally {
          repo.close();
        }
      }),
    );
}

const num = (x: number | null | undefined): string =>
  x === null || x === undefined ? '-' : String(Number(x.toPrecision(4)));

function interval(f: Figure | undefined): string {
  if (!f || f.low === null || f.high === null) return '';
  return `[${num(f.low)}, ${num(f.high)}]`;
}

function counts(f: Figure): string {
  return f.k === undefined ? String(f.n) : `${f.k}/${f.n}`;
}

function renderPerf(r: PerfResult): void {
  const pct = Math.round(r.confidence * 100);
  const window = r.window.since ? `since ${r.window.since}` : 'all logged traffic';
  print(
    `${color.bold(r.model)} ${r.versions.map((v) => `v${v}`).join(', ') || '(no versions)'} (${r.role}), ${window}: ` +
      `${r.labelled.toLocaleString('en-US')} labelled of ${r.logged.toLocaleString('en-US')} logged` +
      (r.coverage === null ? '' : ` (${(r.coverage * 100).toFixed(1)}%)`),
  );
  renderGroupMetrics(r.overall, pct);
  if (r.groups.length > 0) {
    print();
    const primary =
      r.overall.task === 'regression'
        ? 'rmse'
        : r.overall.metrics.roc_auc?.value != null
          ? 'roc_auc'
          : 'accuracy';
    print(
      renderTable(
        [
          `by ${r.by ?? ''}`,
          { header: 'labelled', align: 'right' },
          { header: primary, align: 'right' },
          `${pct}% interval`,
          { header: 'accuracy', align: 'right' },
          '',
        ],
        r.groups.map((g) => [
          g.key,
          String(g.labelled),
          num(g.metrics[primary]?.value),
          interval(g.metrics[primary]),
          num(g.metrics.accuracy?.value),
          color.dim(g.enough ? (g.reason ?? '') : `fewer than ${r.minLabels} labels: no verdict`),
        ]),
      ),
    );
  }
  for (const [column, s] of Object.entries(r.overall.slices ?? {})) {
    print(
      `\nslice ${color.bold(column)}: gaps (highest − lowest group) and ratios (lowest / highest)`,
    );
    print(
      renderTable(
        [
          'metric',
          { header: 'gap', align: 'right' },
          `${pct}% interval`,
          { header: 'ratio', align: 'right' },
          `${pct}% interval`,
        ],
        Object.keys(s.gaps).map((m) => [
          m,
          num(s.gaps[m].value),
          interval(s.gaps[m]),
          num(s.ratios[m]?.value),
          interval(s.ratios[m]),
        ]),
        { indent: '  ' },
      ),
    );
  }
  print();
  for (const c of r.concept) {
    const mark =
      c.verdict === 'drop'
        ? color.red('drop')
        : c.verdict === 'no drop'
          ? color.green('no drop')
          : color.yellow(c.verdict);
    print(`concept drift v${c.version}: ${mark} — ${c.reason}`);
  }
  print(
    `verdict: ${r.verdict === 'drop' ? color.red(r.verdict) : r.verdict === 'ok' ? color.green(r.verdict) : color.yellow(r.verdict)}`,
  );
}

function renderGroupMetrics(g: PerfGroup, pct: number): void {
  if (g.task === null) {
    print(color.dim(`  ${g.reason ?? 'no labelled predictions'}`));
    return;
  }
  print(
    renderTable(
      [
        'metric',
        { header: 'value', align: 'right' },
        `${pct}% interval`,
        { header: 'n', align: 'right' },
        'method',
        '',
      ],
      Object.entries(g.metrics).map(([k, f]) => [
        k,
        num(f.value),
        interval(f),
        counts(f),
        f.method,
        color.dim(f.reason ?? ''),
      ]),
      { indent: '  ' },
    ),
  );
}

function renderComparison(c: PerfComparison): void {
  const pct = Math.round(c.confidence * 100);
  const side = (s: PerfComparison['a']): string =>
    `${s.ref}${s.version === null ? '' : ` (v${s.version})`} ${s.labelled.toLocaleString('en-US')} labelled`;
  print(
    `${color.bold(c.model)}: ${side(c.a)} vs ${side(c.b)}${c.paired ? `, paired on ${c.pairs} requests` : ''}`,
  );
  print(
    renderTable(
      [
        'metric',
        { header: c.a.ref, align: 'right' },
        { header: c.b.ref, align: 'right' },
        { header: 'difference', align: 'right' },
        `${pct}% interval`,
        'test',
        { header: 'p', align: 'right' },
        '',
      ],
      c.metrics.map((m) => [
        m.metric,
        num(m.a),
        num(m.b),
        num(m.difference),
        m.low === null || m.high === null ? '' : `[${num(m.low)}, ${num(m.high)}]`,
        m.test ?? '',
        m.pvalue === null ? '' : m.pvalue.toPrecision(2),
        m.significant
          ? m.better
            ? color.green('better')
            : m.better === false
              ? color.red('worse')
              : 'differs'
          : color.dim(m.reason ?? ''),
      ]),
      { indent: '  ' },
    ),
  );
  const v =
    c.verdict === 'better'
      ? color.green(c.verdict)
      : c.verdict === 'worse'
        ? color.red(c.verdict)
        : color.yellow(c.verdict);
  print(`verdict: ${c.b.ref} is ${v}: ${c.reason}`);
}

function renderHistory(h: PerfHistoryEntry[]): void {
  if (h.length === 0) {
    print('no mlo perf results recorded for this model');
    return;
  }
  const keys = ['roc_auc', 'accuracy', 'f1', 'rmse', 'mae'].filter((k) =>
    h.some((e) => e.metrics[k] != null),
  );
  print(
    renderTable(
      [
        '#',
        'at',
        'versions',
        { header: 'labelled', align: 'right' },
        ...keys.map((k) => ({ header: k, align: 'right' as const })),
        'verdict',
      ],
      h.map((e) => [
        String(e.id),
        e.createdAt,
        e.versions.join(','),
        String(e.labelled),
        ...keys.map((k) => num(e.metrics[k])),
        e.verdict ?? '',
      ]),
    ),
  );
}
