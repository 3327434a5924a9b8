/** `mlo drift check|history`: current data against a baseline. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { DriftHistory, DriftReport, Severity } from '../index.js';
import { action, cwdOf, driftLib, parsePositiveInt } from './common.js';
import { color } from './render/color.js';
import { note, print, printJson, warn } from './render/output.js';
import { createProgress } from './render/progress.js';
import { renderTable } from './render/table.js';

interface CheckFlags {
  baseline?: string;
  model?: string;
  data?: string;
  predictions?: boolean;
  since?: string;
  role?: 'primary' | 'shadow';
  json?: boolean;
  html?: string;
  failOnDrift?: boolean;
  share?: number;
  save: boolean;
}

function parseShare(value: string): number {
  const x = Number(value);
  if (value.trim() === '' || !(x >= 0 && x <= 1)) {
    throw new InvalidArgumentError(`--share must be a number between 0 and 1, got "${value}"`);
  }
  return x;
}

const SEVERITY_COLOR: Record<Severity, (s: string) => string> = {
  none: color.dim,
  low: color.yellow,
  medium: color.magenta,
  high: color.red,
};

export function registerDriftCommands(program: Command): void {
  const drift = program.command('drift').description('check data against a baseline for drift');

  drift
    .command('check')
    .description(
      'compare current data (a file or logged predictions) with a baseline, column by column',
    )
    .option('--baseline <name>', 'the baseline to compare against')
    .option(
      '--model <ref>',
      "the model version's baseline (NAME@VERSION, NAME@ALIAS); with --baseline and --predictions, whose log to read",
    )
    .option('--data <file>', 'current data: CSV, TSV, Parquet or JSON Lines')
    .option(
      '--predictions',
      'current data from the prediction log of `mlo serve --log-predictions`',
    )
    .option('--since <when>', 'with --predictions: only this recent (30m, 24h, 7d) or since a date')
    .addOption(
      new Option(
        '--role <role>',
        'with --predictions: the answers the model gave clients (primary) or as a shadow',
      ).choices(['primary', 'shadow']),
    )
    .option('--json', 'print the report as one JSON document')
    .option('--html <path>', 'also write a self-contained HTML report')
    .option('--fail-on-drift', 'exit 1 when dataset drift is found (also drift.fail in mlo.yaml)')
    .option('--share <x>', 'dataset drift share threshold (default drift.share or 0.5)', parseShare)
    .option('--no-save', 'do not record the result in drift history')
    .action(
      action(async (opts: CheckFlags, cmd: Command) => {
        const { openRepo, checkDrift, MloError } = await driftLib();
        if ((opts.data === undefined) === (opts.predictions === undefined)) {
          throw new MloError('USAGE', 'give exactly one of --data FILE or --predictions');
        }
        if (opts.since !== undefined && !opts.predictions) {
          throw new MloError('USAGE', '--since goes with --predictions');
        }
        if (opts.role !== undefined && !opts.predictions) {
          throw new MloError('USAGE', '--role goes with --predictions');
        }
        if (opts.baseline === undefined && opts.model === undefined) {
          throw new MloError('USAGE', 'give --baseline NAME or --model REF');
        }
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        const progress = await createProgress();
        try {
          const r = await checkDrift(repo, {
            baseline: opts.baseline,
            model: opts.model,
            data: opts.data,
            predictions: opts.predictions ? { since: opts.since, role: opts.role } : undefined,
            cwd,
            share: opts.share,
            save: opts.save,
            html: opts.html,
            onProgress: progress.onProgress,
          });
          progress.stop();
          const failOn = opts.failOnDrift === true || r.failOnDrift;
          // only an empty window of the prediction log gets here with no rows
          const nothing = r.report.current.rows === 0;
          if (opts.json) printJson(r.report);
          else if (!(nothing && failOn)) renderReport(r.report);
          if (opts.html !== undefined && !opts.json) note(`wrote ${opts.html}`);
          if (nothing && failOn) {
            throw new MloError(
              'CHECK_FAILED',
              `nothing was checked: ${emptyWindow(r.report, opts.since)}`,
              {
                hint: 'no traffic in the window is not a pass; widen --since, or check again later',
              },
            );
          }
          return r.report.dataset_drift && failOn ? 1 : 0;
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );

  drift
    .command('history')
    .description('drift checks recorded against a baseline: share and scores over time')
    .argument('<name>', 'baseline name (a model version baseline is NAME@VERSION)')
    .option('--limit <n>', 'the latest N checks (default 50)', parsePositiveInt('--limit'))
    .option('--column <name>', "show one column's score over time")
    .option('--json', 'print {"baseline", "reports": [...]}')
    .action(
      action(
        async (
          name: string,
          opts: { limit?: number; column?: string; json?: boolean },
          cmd: Command,
        ) => {
          const { openRepo, driftHistory } = await driftLib();
          const repo = openRepo(cwdOf(cmd));
          try {
            const h = driftHistory(repo, name, { limit: opts.limit });
            if (opts.json) return printJson(h);
            renderHistory(h, opts.column);
          } finally {
            repo.close();
          }
        },
      ),
    );
}

/** Why a check of the prediction log had no rows. */
function emptyWindow(r: DriftReport, since: string | undefined): string {
  const model = r.current.source.replace(/^predictions:/, '');
  const window = r.current.since
    ? ` since ${r.current.since}${since ? ` (--since ${since})` : ''}`
    : '';
  const lost = r.current.lost_rows
    ? ` (${r.current.lost_rows} row(s) of the window were lost by the server)`
    : '';
  return `no prediction of ${model} was logged${window}${lost}`;
}

const num = (x: number | null): string => (x === null ? '-' : String(Number(x.toPrecision(4))));

function renderReport(r: DriftReport): void {
  for (const w of r.warnings) warn(w);
  print(
    `baseline ${color.bold(r.baseline.name)} (${r.baseline.source}, ${r.baseline.rows.toLocaleString('en-US')} rows) vs ` +
      `${r.current.source} (${r.current.rows.toLocaleString('en-US')} rows` +
      (r.current.lost_rows ? `, ${r.current.lost_rows.toLocaleString('en-US')} lost` : '') +
      ')',
  );
  print();
  const rows = r.columns.map((c) => {
    const drifted =
      c.status !== 'ok'
        ? color.dim(c.status)
        : c.drifted
          ? color.red(color.bold('yes'))
          : color.green('no');
    const sev = c.severity === null ? color.dim('-') : SEVERITY_COLOR[c.severity](c.severity);
    const op = c.test === 'ks' || c.test === 'chisquare' || c.test === 'z' ? '<' : '>=';
    return [
      c.drifted ? color.bold(c.column) : c.column,
      c.kind,
      c.test,
      num(c.score),
      `${op} ${num(c.threshold)}`,
      drifted,
      sev,
    ];
  });
  print(
    renderTable(
      [
        'column',
        'kind',
        'test',
        { header: 'score', align: 'right' },
        { header: 'threshold', align: 'right' },
        'drifted',
        'severity',
      ],
      rows,
    ),
  );
  print();
  const verdict = r.dataset_drift ? color.red(color.bold('yes')) : color.green('no');
  print(
    `dataset drift: ${verdict} — ${r.drifted_columns} of ${r.checked_columns} columns drifted ` +
      `(share ${num(r.drift_share)}, threshold ${num(r.share_threshold)})`,
  );
}

function renderHistory(h: DriftHistory, column: string | undefined): void {
  if (h.reports.length === 0) {
    print(color.dim(`no drift checks recorded for ${h.baseline}`));
    return;
  }
  const header = ['checked', 'source', { header: 'rows', align: 'right' as const }];
  if (column !== undefined) {
    print(
      renderTable(
        [
          ...header,
          'test',
          { header: 'score', align: 'right' },
          'drifted',
          { header: 'psi', align: 'right' },
        ],
        h.reports.map((e) => {
          const c = e.columns[column];
          return [
            e.created_at.replace('T', ' ').slice(0, 19) +
              (e.baseline_changed ? color.dim(' *') : ''),
            e.source,
            e.rows.toLocaleString('en-US'),
            c ? c.test : '-',
            c ? num(c.score) : '-',
            c ? (c.drifted ? color.red('yes') : 'no') : color.dim('not checked'),
            c ? num(c.psi) : '-',
          ];
        }),
      ),
    );
  } else {
    print(
      renderTable(
        [
          ...header,
          { header: 'share', align: 'right' },
          { header: 'drifted', align: 'right' },
          'dataset drift',
          'trend',
        ],
        h.reports.map((e) => [
          e.created_at.replace('T', ' ').slice(0, 19) + (e.baseline_changed ? color.dim(' *') : ''),
          e.source,
          e.rows.toLocaleString('en-US'),
          num(e.drift_share),
          `${e.drifted_columns}/${e.checked_columns}`,
          e.dataset_drift ? color.red('yes') : color.green('no'),
          bar(e.drift_share),
        ]),
      ),
    );
  }
  if (h.reports.some((e) => e.baseline_changed))
    print(color.dim('* baseline re-created before this check'));
}

/** A 20-cell bar for a share in [0, 1]. */
function bar(share: number): string {
  const cells = Math.round(share * 20);
  return '█'.repeat(cells) + color.dim('·'.repeat(20 - cells));
}
