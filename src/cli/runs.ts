/** Run tracking commands: exec, log, runs list|show|compare|delete. */
import { InvalidArgumentError, type Command } from 'commander';
import type { FieldRef, RunDetail, RunStatus, RunSummary, StopSignal } from '../index.js';
import { formatBytes } from '../util/fs.js';
import { pushAfterRun } from './team.js';
import { action, collect, cwdOf, lib, runsLib } from './common.js';
import { color, errColor } from './render/color.js';
import { formatDuration, formatNumber, formatTime, truncate } from './render/format.js';
import { note, print, printJson, warn } from './render/output.js';
import { renderTable } from './render/table.js';

export const STATUS_COLOR: Record<RunStatus, (s: string) => string> = {
  running: color.cyan,
  finished: color.green,
  failed: color.red,
  killed: color.yellow,
};

/** Ctrl-C / SIGTERM stop the running command's tree; a second Ctrl-C kills it. */
export function installStopHandlers(stop: StopSignal): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    if (!stop.stopped)
      note(errColor.yellow(`mlo: ${signal}: stopping the command (again to kill it)`));
    stop.stop(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return () => signals.forEach((s) => process.off(s, handler));
}

const shortId = (id: string): string => id.slice(0, 8);

/**
 * Without `--`, commander reads mlo's options anywhere on the line, so in
 * `mlo exec python -m train` the `-m` would be taken as --metrics. Such a line is
 * refused; one whose command has no dash arguments is unambiguous.
 */
function separated(cmd: Command, command: string[]): boolean {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  // commander keeps the argv it parsed; its typings do not show it
  const raw = ((root as unknown as { rawArgs?: string[] }).rawArgs ?? process.argv).slice(2);
  if (raw.includes('--')) return true;
  const start = raw.indexOf(command[0], raw.indexOf('exec') + 1);
  return start < 0 || !raw.slice(start + 1).some((a) => a.startsWith('-'));
}

export function registerRunCommands(program: Command): void {
  program
    .command('exec')
    .description('run a command as a tracked run (put -- before the command)')
    .argument('<command...>', 'the command and its arguments')
    .option('-n, --name <name>', 'run name (default: a generated one)')
    .option('-e, --experiment <name>', 'experiment (default: $MLO_EXPERIMENT or "default")')
    .option('-p, --param <key=value>', 'record a param (repeatable)', collect, [])
    .option('-t, --tag <key=value>', 'set a tag (repeatable)', collect, [])
    .option('-d, --dep <path>', 'an input: its hash is recorded (repeatable)', collect, [])
    .option(
      '-o, --out <path>',
      'an output: cached and recorded when the run succeeds (repeatable)',
      collect,
      [],
    )
    .option(
      '-m, --metrics <file>',
      'JSON/YAML metrics file read at the end (repeatable)',
      collect,
      [],
    )
    .option('--json', "print the run as JSON at the end (the command's output goes to stderr)")
    .option('--no-mlflow', 'do not serve the MLflow API to the command (MLFLOW_TRACKING_URI)')
    .allowUnknownOption()
    .addHelpText(
      'after',
      `
The command gets MLO_RUN_ID and MLO_LOG, and MLFLOW_TRACKING_URI and MLFLOW_RUN_ID
(mlflow.start_run() attaches to the run; mlflow.log_* calls land in it).
Append JSON lines to $MLO_LOG to log:
  {"metric": "loss", "value": 0.31, "step": 4}     {"params": {"lr": 0.01}}
  {"tag": "team", "value": "vision"}               {"artifact": "model.onnx"}
mlo exits with the command's exit code.

example: mlo exec -n baseline -p lr=0.01 -d data/train.csv -o model.onnx -- python train.py`,
    )
    .action(
      action(
        async (
          command: string[],
          opts: {
            name?: string;
            experiment?: string;
            param: string[];
            tag: string[];
            dep: string[];
            out: string[];
            metrics: string[];
            json?: boolean;
            mlflow?: boolean;
          },
          cmd: Command,
        ) => {
          const { openRepo, execRun, parseAssignments, StopSignal, MloError } = await lib();
          if (!separated(cmd, command)) {
            throw new MloError(
              'USAGE',
              'the command has options of its own: put -- before it, so that mlo does not read them',
              { hint: `mlo exec [options] -- ${command.join(' ')} ...` },
            );
          }
          const cwd = cwdOf(cmd);
          const repo = openRepo(cwd);
          const stop = new StopSignal();
          const removeHandlers = installStopHandlers(stop);
          try {
            const r = await execRun(repo, {
              command,
              cwd,
              name: opts.name,
              experiment: opts.experiment,
              params: parseAssignments(opts.param, '--param'),
              tags: parseAssignments(opts.tag, '--tag'),
              deps: opts.dep,
              outs: opts.out,
              metricsFiles: opts.metrics,
              mlflow: opts.mlflow,
              stop,
              onStart: (run) => {
                if (!opts.json)
                  note(errColor.dim(`mlo: run ${shortId(run.id)} (${run.name}) started`));
              },
              onOutput: (stream, chunk) => {
                (stream === 'stdout' && !opts.json ? process.stdout : process.stderr).write(chunk);
              },
            });
            for (const w of r.warnings) warn(w);
            const { problem, ...shown } = r;
            if (opts.json) printJson(shown);
            else {
              const metrics = Object.entries(r.metrics)
                .slice(0, 6)
                .map(([k, v]) => `${k}=${formatNumber(v)}`)
                .join(' ');
              const how = r.status === 'finished' ? '' : ` (${r.error ?? `exit ${r.exitCode}`})`;
              note(
                `mlo: run ${shortId(r.id)} ${STATUS_COLOR[r.status](r.status)}${how}${metrics ? `: ${metrics}` : ''}`,
              );
            }
            await pushAfterRun(repo);
            // the command succeeded, but what it produced was refused or lost
            if (problem) throw problem;
            return r.exitCode;
          } finally {
            removeHandlers();
            repo.close();
          }
        },
      ),
    );

  registerLogCommands(program);

  const runs = program.command('runs').description('find, show, compare and delete runs');

  runs
    .command('list')
    .alias('ls')
    .description('list runs, newest first')
    .option('-e, --experiment <name>', 'only this experiment')
    .option(
      '-f, --filter <expr>',
      "e.g. \"metrics.f1 > 0.8 and (params.model = 'rf' or params.model in ('svm', 'lr'))\"",
    )
    .option(
      '-s, --sort <key[:asc|desc]>',
      'sort by a field, e.g. metrics.f1:desc (repeatable)',
      collect,
      [],
    )
    .option(
      '-l, --limit <n>',
      'show at most n runs (0: all; default 50 in the table, all with --json)',
      parseLimit,
    )
    .option('-c, --columns <fields>', 'params/metrics/tags to show, e.g. params.lr,metrics.f1')
    .option('--json', 'print {"runs":[...]}')
    .addHelpText(
      'after',
      `
Filter syntax: fields metrics.KEY, params.KEY, tags.KEY, and id, name, experiment,
status, start, end, duration, stage, commit, exit_code. Operators = != < <= > >=,
in (...), not in (...), like / ilike ('%' any text, '_' one character), is [not] null.
Combine with and, or, not and parentheses. Quote text: 'rf'. Odd keys: metrics.\`val loss\`.`,
    )
    .action(
      action(
        async (
          opts: {
            experiment?: string;
            filter?: string;
            sort: string[];
            limit?: number;
            columns?: string;
            json?: boolean;
          },
          cmd: Command,
        ) => {
          const { openRepo, listRuns, listRunsJsonPieces, parseColumns } = await runsLib();
          const limit = opts.limit ?? (opts.json ? 0 : 50);
          const columns = opts.columns ? parseColumns(opts.columns) : undefined;
          const repo = openRepo(cwdOf(cmd));
          try {
            const query = {
              experiment: opts.experiment,
              filter: opts.filter,
              sort: opts.sort,
              limit,
            };
            if (opts.json) {
              const { writePiecesToStdout } = await import('./runs-stdout.js');
              await writePiecesToStdout(withNewline(listRunsJsonPieces(repo, query)));
              return;
            }
            const r = listRuns(repo, query);
            if (r.runs.length === 0) {
              print(
                r.total === 0 && !opts.filter && !opts.experiment
                  ? 'no runs yet: start one with `mlo exec -- <command>`'
                  : 'no runs match',
              );
              return;
            }
            const fields = columns ?? chooseColumns(r.runs, r.fields);
            print(renderRunTable(r.runs, fields, { experiment: !opts.experiment }));
            if (r.total > r.runs.length) {
              print(color.dim(`${r.runs.length} of ${r.total} runs shown (--limit 0 for all)`));
            }
          } finally {
            repo.close();
          }
        },
      ),
    );

  runs
    .command('show')
    .description('show one run: params, metrics, tags, artifacts, inputs and outputs')
    .argument('<id>', 'run id, unique prefix, or name')
    .option('--json', 'print the run as JSON')
    .action(
      action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
        const { openRepo, getRun } = await runsLib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const r = getRun(repo, id);
          if (opts.json) return printJson(r);
          renderRunDetail(r);
        } finally {
          repo.close();
        }
      }),
    );

  runs
    .command('compare')
    .description('params and final metrics of several runs side by side')
    .argument('<ids...>', 'two or more run ids (prefixes or names)')
    .option('-a, --all', 'also show rows where every run has the same value')
    .option('--json', 'print the comparison as JSON')
    .action(
      action(async (ids: string[], opts: { all?: boolean; json?: boolean }, cmd: Command) => {
        const { openRepo, compareRuns } = await runsLib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const r = compareRuns(repo, ids);
          if (opts.json) return printJson(r);
          const header = ['', ...r.runs.map((x) => `${shortId(x.id)} ${truncate(x.name, 20)}`)];
          const rows: string[][] = [
            ['status', ...r.runs.map((x) => STATUS_COLOR[x.status](x.status))],
          ];
          let same = 0;
          const section = (
            prefix: string,
            list: { key: string; values: (string | number | null)[]; differs: boolean }[],
            fmt: (v: string | number | null) => string,
          ): void => {
            for (const row of list) {
              if (!row.differs && !opts.all) {
                same++;
                continue;
              }
              const paint = row.differs ? color.yellow : (s: string) => s;
              rows.push([
                paint(`${prefix}.${row.key}`),
                ...row.values.map((v) => (v === null && !row.differs ? '' : paint(fmt(v)))),
              ]);
            }
          };
          section('params', r.params, (v) => (v === null ? '-' : truncate(String(v), 30)));
          section('metrics', r.metrics, (v) => (v === null ? '-' : formatNumber(v as number)));
          section('tags', r.tags, (v) => (v === null ? '-' : truncate(String(v), 30)));
          print(renderTable(header, rows));
          if (same) print(color.dim(`${same} identical row(s) hidden (--all to show them)`));
        } finally {
          repo.close();
        }
      }),
    );

  runs
    .command('delete')
    .alias('rm')
    .description('delete runs (their cached artifacts become garbage for `mlo gc`)')
    .argument('<ids...>', 'run ids (prefixes or names)')
    .option('-f, --force', 'also delete runs that are still running')
    .option('--json', 'print {"deleted":[...]}')
    .action(
      action(async (ids: string[], opts: { force?: boolean; json?: boolean }, cmd: Command) => {
        const { openRepo, deleteRuns } = await runsLib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const r = deleteRuns(repo, ids, { force: opts.force });
          if (opts.json) return printJson(r);
          for (const id of r.deleted) print(`deleted run ${id}`);
        } finally {
          repo.close();
        }
      }),
    );
}

function registerLogCommands(program: Command): void {
  const log = program
    .command('log')
    .description('log to a run from a shell (the run in $MLO_RUN_ID, or --run)');
  const run = (): [string, string] => [
    '-r, --run <id>',
    'run id, prefix or name (default: $MLO_RUN_ID)',
  ];

  log
    .command('metric')
    .description('log a metric value')
    .argument('<key>')
    .argument('<value>', 'a number (nan, inf allowed)')
    .option('-s, --step <n>', 'step (default: the next step of this metric)')
    .option(...run())
    .action(
      action(
        async (key: string, value: string, opts: { step?: string; run?: string }, cmd: Command) => {
          const { openRepo, logToRun, MloError } = await lib();
          let step: number | undefined;
          if (opts.step !== undefined) {
            step = Number(opts.step);
            if (!Number.isSafeInteger(step))
              throw new MloError('USAGE', `--step must be an integer, got "${opts.step}"`);
          }
          const repo = openRepo(cwdOf(cmd));
          try {
            await logToRun(
              repo,
              { kind: 'metric', key, value, step },
              { run: opts.run, cwd: cwdOf(cmd) },
            );
          } finally {
            repo.close();
          }
        },
      ),
    );

  for (const kind of ['param', 'tag'] as const) {
    log
      .command(kind)
      .description(`set a ${kind}`)
      .argument('<key>')
      .argument('<value>')
      .option(...run())
      .action(
        action(async (key: string, value: string, opts: { run?: string }, cmd: Command) => {
          const { openRepo, logToRun } = await lib();
          const repo = openRepo(cwdOf(cmd));
          try {
            await logToRun(repo, { kind, key, value }, { run: opts.run, cwd: cwdOf(cmd) });
          } finally {
            repo.close();
          }
        }),
      );
  }

  log
    .command('artifact')
    .description('cache a file or directory as an artifact of the run')
    .argument('<path>')
    .option('--name <name>', 'artifact name (default: the file name)')
    .option(...run())
    .action(
      action(async (path: string, opts: { name?: string; run?: string }, cmd: Command) => {
        const { openRepo, logToRun } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          await logToRun(
            repo,
            { kind: 'artifact', path, name: opts.name },
            { run: opts.run, cwd: cwdOf(cmd) },
          );
        } finally {
          repo.close();
        }
      }),
    );
}

const NEWLINE = Buffer.from('\n');

function* withNewline(pieces: Iterable<Buffer>): Generator<Buffer, void, undefined> {
  yield* pieces;
  yield NEWLINE;
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`--limit must be a whole number, got "${text}"`);
  }
  return n;
}

const sameField = (a: FieldRef, b: FieldRef): boolean =>
  a.kind === b.kind &&
  (a.kind === 'attr' ? a.name === (b as typeof a).name : a.key === (b as typeof a).key);

/**
 * Columns when the user chose none: what the filter and sort mention, then params
 * whose values differ between the listed runs, then the most common metrics.
 */
export function chooseColumns(runs: RunSummary[], mentioned: FieldRef[]): FieldRef[] {
  const out: FieldRef[] = [];
  const addField = (f: FieldRef): void => {
    if (f.kind === 'attr') return; // attributes have their own columns
    if (!out.some((o) => sameField(o, f))) out.push(f);
  };
  mentioned.forEach(addField);
  // per param key, in order of first appearance: its first value and whether another
  // value was seen (counting distinct values would hash every value of every run)
  const paramKeys = new Map<string, { first: string; varies: boolean }>();
  const metricCount = new Map<string, number>();
  for (const r of runs) {
    const params = r.params;
    // for-in walks own keys in Object.keys order without allocating the array
    for (const k in params) {
      const v = params[k];
      const seen = paramKeys.get(k);
      if (!seen) paramKeys.set(k, { first: v, varies: false });
      else if (!seen.varies && seen.first !== v) seen.varies = true;
    }
    for (const k in r.metrics) metricCount.set(k, (metricCount.get(k) ?? 0) + 1);
  }
  [...paramKeys]
    .filter(([, seen]) => seen.varies)
    .slice(0, 3)
    .forEach(([key]) => addField({ kind: 'param', key }));
  [...metricCount]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 4)
    .forEach(([key]) => addField({ kind: 'metric', key }));
  return out.slice(0, 8);
}

function fieldValue(r: RunSummary, f: FieldRef): string {
  if (f.kind === 'metric') return f.key in r.metrics ? formatNumber(r.metrics[f.key]) : '';
  if (f.kind === 'param') return truncate(r.params[f.key] ?? '', 24);
  if (f.kind === 'tag') return truncate(r.tags[f.key] ?? '', 24);
  return '';
}

function fieldHeader(f: FieldRef): string {
  if (f.kind === 'attr') return f.name;
  return `${f.kind === 'metric' ? 'metrics' : f.kind === 'param' ? 'params' : 'tags'}.${f.key}`;
}

export function renderRunTable(
  runs: RunSummary[],
  fields: FieldRef[],
  options: { experiment: boolean },
): string {
  const showExperiment = options.experiment && new Set(runs.map((r) => r.experiment)).size > 1;
  const header = [
    'id',
    'name',
    ...(showExperiment ? ['experiment'] : []),
    'status',
    'start',
    { header: 'duration', align: 'right' as const },
    ...fields.map((f) => ({
      header: fieldHeader(f),
      align: f.kind === 'metric' ? ('right' as const) : ('left' as const),
    })),
  ];
  const now = Date.now();
  // plain loops, one Date.parse per time: thousands of rows go through this cold
  const rows = runs.map((r) => {
    const start = Date.parse(r.start);
    const row = [shortId(r.id), truncate(r.name, 28)];
    if (showExperiment) row.push(truncate(r.experiment, 20));
    row.push(
      STATUS_COLOR[r.status](r.status),
      formatTime(start),
      formatDuration(((r.end ? Date.parse(r.end) : now) - start) / 1000),
    );
    for (const f of fields) row.push(fieldValue(r, f));
    return row;
  });
  return renderTable(header, rows);
}

function renderRunDetail(r: RunDetail): void {
  const kv: [string, string][] = [
    ['run', `${r.id} ${color.bold(r.name)}`],
    ['experiment', r.experiment],
    [
      'status',
      `${STATUS_COLOR[r.status](r.status)}${r.exitCode !== null ? ` (exit ${r.exitCode})` : ''}${r.error ? ` ${color.dim(r.error)}` : ''}`,
    ],
    ['start', `${formatTime(r.start)}  ${color.dim(`duration ${formatDuration(r.duration)}`)}`],
  ];
  if (r.command) kv.push(['command', r.command]);
  if (r.stage) kv.push(['stage', r.stage]);
  if (r.git.commit)
    kv.push(['git', `${r.git.commit.slice(0, 12)}${r.git.dirty ? color.yellow(' (dirty)') : ''}`]);
  print(renderTable(['', ''], kv).split('\n').slice(1).join('\n'));
  const block = (title: string, header: string[], rows: string[][]): void => {
    if (rows.length === 0) return;
    print(`\n${color.bold(title)}`);
    print(renderTable(header, rows, { indent: '  ' }));
  };
  block(
    'params',
    ['key', 'value'],
    Object.entries(r.params).map(([k, v]) => [k, truncate(v, 60)]),
  );
  block(
    'metrics',
    [
      'key',
      { header: 'value', align: 'right' } as never,
      { header: 'step', align: 'right' } as never,
    ],
    Object.entries(r.latest).map(([k, m]) => [k, formatNumber(m.value), String(m.step)]),
  );
  block(
    'tags',
    ['key', 'value'],
    Object.entries(r.tags).map(([k, v]) => [k, truncate(v, 60)]),
  );
  block(
    'inputs',
    ['path', 'hash', 'size'],
    r.inputs.map((i) => [
      i.path + (i.type === 'dir' ? '/' : ''),
      (i.hash ?? '').slice(0, 12),
      i.size === undefined ? '' : formatBytes(i.size),
    ]),
  );
  block(
    'outputs',
    ['path', 'hash', 'size'],
    r.outputs.map((i) => [
      i.path + (i.type === 'dir' ? '/' : ''),
      (i.hash ?? '').slice(0, 12),
      i.size === undefined ? '' : formatBytes(i.size),
    ]),
  );
  block(
    'artifacts',
    ['name', 'hash', 'size'],
    r.artifacts.map((a) => [
      a.name + (a.type === 'dir' ? '/' : ''),
      a.hash.slice(0, 12),
      formatBytes(a.size),
    ]),
  );
  if (r.logTail && r.status !== 'finished') {
    print(`\n${color.bold('output (last lines)')}`);
    print(
      r.logTail
        .split('\n')
        .map((l) => `  ${l}`)
        .join('\n'),
    );
  }
}
