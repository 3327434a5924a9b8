/** Pipeline commands: repro, dag, params diff, exp run|show. */
import type { Command } from 'commander';
import type { DiffResult, ReproEvent, StageResult } from '../index.js';
import { pushAfterRun } from './team.js';
import { MloError } from '../errors.js';
import { action, collect, cwdOf, lib, parsePositiveInt } from './common.js';
import { color } from './render/color.js';
import { formatDuration, formatNumber, truncate } from './render/format.js';
import { print, printJson, warn } from './render/output.js';
import { renderTable } from './render/table.js';
import { installStopHandlers, STATUS_COLOR } from './runs.js';

const OUTCOME_COLOR: Record<StageResult['outcome'], (s: string) => string> = {
  ran: color.green,
  skipped: color.dim,
  restored: color.cyan,
  failed: color.red,
  blocked: color.yellow,
  killed: color.yellow,
  'not-run': color.yellow,
  'would-run': color.yellow,
  'would-restore': color.cyan,
};

/** Prefix each line of a stage's output with its name when stages run side by side. */
class StageOutput {
  private partial = new Map<string, string>();

  constructor(
    private readonly prefixed: boolean,
    private readonly toStderr: boolean,
  ) {}

  write(stage: string, stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const out = stream === 'stderr' || this.toStderr ? process.stderr : process.stdout;
    if (!this.prefixed) {
      out.write(chunk);
      return;
    }
    const key = `${stage}\0${stream}`;
    const text = (this.partial.get(key) ?? '') + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial.set(key, lines.pop() ?? '');
    const tag = color.dim(`[${stage}] `);
    if (lines.length) out.write(lines.map((l) => tag + l).join('\n') + '\n');
  }

  flush(): void {
    for (const [key, rest] of this.partial) {
      if (!rest) continue;
      const [stage, stream] = key.split('\0');
      (stream === 'stderr' || this.toStderr ? process.stderr : process.stdout).write(
        `${color.dim(`[${stage}] `)}${rest}\n`,
      );
    }
    this.partial.clear();
  }
}

function describeEvent(e: ReproEvent): string | undefined {
  if (e.type === 'stage-start') {
    const why = e.reasons.length ? color.dim(` (${truncate(e.reasons.join('; '), 100)})`) : '';
    return `${color.bold('running')} ${e.stage} ${color.dim(`run ${e.runId.slice(0, 8)}`)}${why}\n${color.dim(`$ ${e.cmd.join(' && ')}`)}`;
  }
  const r = e.result;
  switch (r.outcome) {
    case 'skipped':
      return color.dim(`${r.stage} is up to date`);
    case 'restored':
      return `${color.cyan('restored')} ${r.stage} from the run cache${r.restoredFrom ? color.dim(` (outputs of run ${r.restoredFrom.slice(0, 8)})`) : ''}${r.reasons.length ? color.dim(` (${truncate(r.reasons.join('; '), 80)})`) : ''}`;
    case 'ran':
      return `${color.green('done')} ${r.stage} ${color.dim(formatDuration((r.durationMs ?? 0) / 1000))}`;
    case 'failed':
    case 'killed':
      return `${OUTCOME_COLOR[r.outcome](r.outcome)} ${r.stage}: ${r.error ?? ''}`;
    default:
      return undefined;
  }
}

function renderSummary(stages: StageResult[], dryRun: boolean): void {
  if (dryRun) {
    if (stages.length === 0) return print('no stages');
    print(
      renderTable(
        ['stage', 'would', 'why'],
        stages.map((s) => [
          s.stage,
          OUTCOME_COLOR[s.outcome](
            s.outcome === 'would-run' ? 'run' : s.outcome === 'would-restore' ? 'restore' : 'skip',
          ),
          truncate(s.reasons.join('; '), 90),
        ]),
      ),
    );
    return;
  }
  const counts = new Map<string, number>();
  for (const s of stages) counts.set(s.outcome, (counts.get(s.outcome) ?? 0) + 1);
  const order: StageResult['outcome'][] = [
    'ran',
    'restored',
    'skipped',
    'failed',
    'killed',
    'blocked',
    'not-run',
  ];
  const parts = order
    .filter((o) => counts.get(o))
    .map((o) => OUTCOME_COLOR[o](`${counts.get(o)} ${o}`));
  print(`\n${color.bold('summary')}: ${parts.join(', ') || 'nothing to do'}`);
  for (const s of stages) {
    if (s.outcome === 'failed' || s.outcome === 'killed') {
      print(
        `  ${OUTCOME_COLOR[s.outcome](s.outcome.padEnd(7))} ${s.stage}: ${s.error ?? ''}${s.runId ? color.dim(`  (mlo runs show ${s.runId.slice(0, 8)})`) : ''}`,
      );
      if (s.logTail) {
        const tail = s.logTail.split('\n').slice(-5);
        print(color.dim(tail.map((l) => `      | ${l}`).join('\n')));
      }
    } else if (s.outcome === 'blocked' || s.outcome === 'not-run') {
      print(
        `  ${OUTCOME_COLOR[s.outcome](s.outcome.padEnd(7))} ${s.stage}: ${s.reasons.join('; ')}`,
      );
    }
  }
}

function exitCodeFor(
  r: { ok: boolean; stopped?: NodeJS.Signals },
  signalCode: (s: NodeJS.Signals) => number,
): number {
  if (r.stopped) return signalCode(r.stopped);
  return r.ok ? 0 : 1;
}

export function registerPipelineCommands(program: Command): void {
  program
    .command('repro')
    .description('run the stages of mlo.yaml whose command, deps, params or outputs changed')
    .argument('[stages...]', 'stages to bring up to date, with what they need (default: all)')
    .option('-f, --force', 'run the stages even if nothing changed')
    .option('-n, --dry-run', 'show what would run, restore or be skipped; change nothing')
    .option('-j, --jobs <n>', 'stages to run at once', parsePositiveInt('--jobs'), 1)
    .option(
      '-s, --set <key=value>',
      'set a param in params.yaml first (file.yaml:key=value for another file; repeatable)',
      collect,
      [],
    )
    .option('-e, --experiment <name>', 'experiment the stage runs belong to')
    .option(
      '--single',
      'run only the named stages; the stages they need come from mlo.lock or the run cache, never run',
    )
    .option('--no-mlflow', 'do not serve the MLflow API to the stages (MLFLOW_TRACKING_URI)')
    .option('--json', "print the result as JSON (the stages' output goes to stderr)")
    .action(
      action(
        async (
          targets: string[],
          opts: {
            single?: boolean;
            force?: boolean;
            dryRun?: boolean;
            jobs: number;
            set: string[];
            experiment?: string;
            mlflow: boolean;
            json?: boolean;
          },
          cmd: Command,
        ) => {
          const { openRepo, repro, StopSignal, signalExitCode } = await lib();
          const repo = openRepo(cwdOf(cmd));
          const stop = new StopSignal();
          const removeHandlers = installStopHandlers(stop);
          const output = new StageOutput(opts.jobs > 1, opts.json === true);
          try {
            const r = await repro(repo, {
              targets,
              force: opts.force,
              dryRun: opts.dryRun,
              jobs: opts.jobs,
              set: opts.set,
              experiment: opts.experiment,
              single: opts.single,
              mlflow: opts.mlflow,
              stop,
              onOutput: (stage, stream, chunk) => output.write(stage, stream, chunk),
              onEvent: (e) => {
                if (opts.json || opts.dryRun) return;
                output.flush();
                const line = describeEvent(e);
                if (line) print(line);
                if (e.type === 'stage-end') {
                  for (const w of e.result.warnings ?? []) warn(`${e.result.stage}: ${w}`);
                }
              },
            });
            output.flush();
            if (opts.json) printJson(r);
            else {
              if (r.paramsChanged.length) print(color.dim(`updated ${r.paramsChanged.join(', ')}`));
              renderSummary(r.stages, r.dryRun);
            }
            if (!r.dryRun) await pushAfterRun(repo);
            return exitCodeFor(r, signalExitCode);
          } finally {
            removeHandlers();
            repo.close();
          }
        },
      ),
    );

  program
    .command('dag')
    .description('draw the stage graph')
    .argument('[stages...]', 'only these stages and what they need')
    .option('--mermaid', 'print a Mermaid flowchart (for Markdown docs)')
    .option('--dot', 'print Graphviz DOT')
    .option('--json', 'print {"stages":[...],"edges":[...]} (with --export: the Workflow)')
    .option('--export <orchestrator>', 'write the pipeline for an orchestrator: argo')
    .option('--image <image>', "with --export: the project's image, pinned (tag or digest)")
    .option('--remote <name>', 'with --export: the remote the steps exchange outputs through')
    .option(
      '--name <name>',
      'with --export: the Workflow name prefix (default: the repo directory)',
    )
    .option('--namespace <ns>', 'with --export: the namespace (default: none)')
    .option('--env-secret <secret>', "with --export: a Secret for every step's environment")
    .option('--service-account <sa>', "with --export: the pods' service account")
    .option('--out <file>', 'with --export: write the YAML to FILE instead of stdout')
    .option('--force', 'replace --out FILE')
    .action(
      action(
        async (
          targets: string[],
          opts: {
            mermaid?: boolean;
            dot?: boolean;
            json?: boolean;
            export?: string;
          } & ArgoFlags,
          cmd: Command,
        ) => {
          if (opts.export !== undefined) return exportDag(targets, opts.export, opts, cmd);
          const {
            openRepo,
            loadDag,
            selectStages,
            summarizeDag,
            formatDagTree,
            formatMermaid,
            formatDot,
          } = await lib();
          const repo = openRepo(cwdOf(cmd));
          try {
            const dag = loadDag(repo);
            const summary = summarizeDag(dag, selectStages(dag, targets));
            if (opts.json) return printJson(summary);
            if (summary.stages.length === 0) return print('no stages in mlo.yaml');
            print(
              opts.mermaid
                ? formatMermaid(summary)
                : opts.dot
                  ? formatDot(summary)
                  : formatDagTree(summary),
            );
          } finally {
            repo.close();
          }
        },
      ),
    );

  const params = program.command('params').description('params files against git');
  params
    .command('diff')
    .description('params of the workspace against a git revision')
    .argument('[rev]', 'git revision', 'HEAD')
    .option('-a, --all', 'also show unchanged params')
    .option('--json', 'print {"rev","entries":[...]}')
    .action(
      action(async (rev: string, opts: { all?: boolean; json?: boolean }, cmd: Command) => {
        const { openRepo, paramsDiff } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const d = await paramsDiff(repo, { rev, all: opts.all });
          if (opts.json) return printJson(d);
          renderDiff(d, 'param', false);
        } finally {
          repo.close();
        }
      }),
    );

  const exp = program.command('exp').description('parameter sweeps over the pipeline');
  exp
    .command('run')
    .description(
      'run the pipeline for every combination of the --set values, then restore params.yaml',
    )
    .argument('[stages...]', 'stages to run (default: all)')
    .requiredOption(
      '-s, --set <key=v1,v2,...>',
      'values of a param to sweep (repeatable: the grid is every combination)',
      collect,
      [],
    )
    .option(
      '-j, --jobs <n>',
      'stages to run at once within a combination',
      parsePositiveInt('--jobs'),
      1,
    )
    .option('-e, --experiment <name>', 'experiment the runs belong to')
    .option('--no-mlflow', 'do not serve the MLflow API to the stages (MLFLOW_TRACKING_URI)')
    .option('--json', "print the result as JSON (the stages' output goes to stderr)")
    .action(
      action(
        async (
          targets: string[],
          opts: {
            set: string[];
            jobs: number;
            experiment?: string;
            mlflow: boolean;
            json?: boolean;
          },
          cmd: Command,
        ) => {
          const { openRepo, expRun, StopSignal, signalExitCode } = await lib();
          const repo = openRepo(cwdOf(cmd));
          const stop = new StopSignal();
          const removeHandlers = installStopHandlers(stop);
          const output = new StageOutput(opts.jobs > 1, opts.json === true);
          try {
            const r = await expRun(repo, {
              set: opts.set,
              targets,
              jobs: opts.jobs,
              experiment: opts.experiment,
              mlflow: opts.mlflow,
              stop,
              onCombination: (c) => {
                if (!opts.json) {
                  print(
                    color.bold(
                      `\n[${c.index + 1}/${c.total}] ${Object.entries(c.params)
                        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                        .join(' ')}`,
                    ),
                  );
                }
              },
              onOutput: (stage, stream, chunk) => output.write(stage, stream, chunk),
              onEvent: (e) => {
                if (opts.json) return;
                output.flush();
                const line = describeEvent(e);
                if (line) print(line);
              },
            });
            output.flush();
            if (opts.json) printJson(r);
            else {
              const failed = r.combinations.filter((c) => !c.ok).length;
              print(
                `\nsweep ${color.bold(r.sweep)}: ${r.combinations.length} combination(s) run${failed ? color.red(`, ${failed} failed`) : ''}; params files restored`,
              );
              print(color.dim(`compare them: mlo exp show ${r.sweep}`));
            }
            return exitCodeFor(r, signalExitCode);
          } finally {
            removeHandlers();
            repo.close();
          }
        },
      ),
    );

  exp
    .command('show')
    .description("a sweep's combinations with their metrics (default: the latest sweep)")
    .argument('[sweep]', 'sweep id (or prefix)')
    .option('--json', 'print the sweep as JSON')
    .action(
      action(async (sweep: string | undefined, opts: { json?: boolean }, cmd: Command) => {
        const { openRepo, expShow } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const r = expShow(repo, { sweep });
          if (opts.json) return printJson(r);
          print(color.dim(`sweep ${r.sweep}`));
          const metricCols = r.metrics.slice(0, 8);
          print(
            renderTable(
              [
                '#',
                ...r.params,
                'status',
                ...metricCols.map((m) => ({ header: m, align: 'right' as const })),
                'runs',
              ],
              r.experiments.map((e) => [
                String(e.combo + 1),
                ...r.params.map((p) => truncate(JSON.stringify(e.params[p]) ?? '', 20)),
                STATUS_COLOR[e.status](e.status),
                ...metricCols.map((m) => (m in e.metrics ? formatNumber(e.metrics[m]) : '')),
                e.runs.map((x) => x.id.slice(0, 8)).join(' '),
              ]),
            ),
          );
        } finally {
          repo.close();
        }
      }),
    );
}

/** A params or metrics diff as a table. */
export function renderDiff(d: DiffResult, what: 'param' | 'metric', numeric: boolean): void {
  if (d.entries.length === 0) {
    print(`no ${what} changes against ${d.rev} (${d.commit.slice(0, 8)})`);
    return;
  }
  const show = (v: unknown): string =>
    v === undefined
      ? color.dim('-')
      : typeof v === 'number'
        ? formatNumber(v)
        : truncate(JSON.stringify(v), 30);
  const header = [
    'path',
    what,
    d.rev,
    'workspace',
    ...(numeric ? [{ header: 'change', align: 'right' as const }] : []),
  ];
  const rows = d.entries.map((e) => {
    const paint = e.state === 'unchanged' ? (s: string) => s : color.yellow;
    return [
      e.path,
      paint(e.key),
      show(e.old),
      show(e.new),
      ...(numeric
        ? [e.change === undefined ? '' : `${e.change > 0 ? '+' : ''}${formatNumber(e.change)}`]
        : []),
    ];
  });
  print(renderTable(header, rows));
}

interface ArgoFlags {
  image?: string;
  remote?: string;
  name?: string;
  namespace?: string;
  envSecret?: string;
  serviceAccount?: string;
  out?: string;
  force?: boolean;
  json?: boolean;
}

async function exportDag(
  targets: string[],
  orchestrator: string,
  opts: ArgoFlags,
  cmd: Command,
): Promise<void> {
  if (orchestrator !== 'argo') {
    throw new MloError('USAGE', `--export ${orchestrator}: unknown orchestrator`, {
      hint: 'mlo dag --export argo (Argo Workflows)',
    });
  }
  if (opts.image === undefined) {
    throw new MloError('USAGE', '--export argo needs --image', {
      hint: "the project's image, with mlo on PATH and the repository as its working directory",
    });
  }
  const { openRepo, exportArgoWorkflow, writeManifestFile } = await lib();
  const cwd = cwdOf(cmd);
  const repo = openRepo(cwd);
  try {
    const r = exportArgoWorkflow(repo, {
      targets,
      image: opts.image,
      remote: opts.remote,
      name: opts.name,
      namespace: opts.namespace,
      envSecret: opts.envSecret,
      serviceAccount: opts.serviceAccount,
    });
    if (opts.out !== undefined) {
      const path = writeManifestFile(cwd, opts.out, r.yaml, opts.force === true);
      if (opts.json) return printJson({ path, workflow: r.workflow });
      return print(
        `wrote ${path}: an Argo Workflow of ${r.workflow.spec.templates!.length - 1} stages`,
      );
    }
    if (opts.json) return printJson({ workflow: r.workflow });
    print(r.yaml.trimEnd());
  } finally {
    repo.close();
  }
}
