/**
 * The command tree. Each command file registers its commands on the root and is
 * loaded only when needed: a run of one command loads that command's file alone,
 * which keeps the flags of forty other commands (and what they import) out of the
 * start-up of `mlo status`. Help, suggestions for a mistyped command and the docs
 * generator (scripts/gen-docs.mjs) build the whole tree.
 */
import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };

type Register = (program: Command) => void;

/** One command file: the top-level command names it registers, and its register function. */
export interface CommandGroup {
  names: readonly string[];
  load: () => Promise<Register>;
}

// In help's order. test/unit/cli/program.test.ts checks that each file registers
// exactly the names listed here, so a command added without its row fails there.
export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { names: ['init'], load: async () => (await import('./repo.js')).registerRepoCommands },
  {
    names: ['add', 'status', 'checkout', 'gc', 'fsck'],
    load: async () => (await import('./data.js')).registerDataCommands,
  },
  {
    names: ['push', 'fetch', 'pull'],
    load: async () => (await import('./transfer.js')).registerTransferCommands,
  },
  { names: ['remote'], load: async () => (await import('./remote.js')).registerRemoteCommands },
  { names: ['hooks'], load: async () => (await import('./hooks.js')).registerHookCommands },
  {
    names: ['exec', 'log', 'runs'],
    load: async () => (await import('./runs.js')).registerRunCommands,
  },
  {
    names: ['experiments'],
    load: async () => (await import('./experiments.js')).registerExperimentCommands,
  },
  {
    names: ['repro', 'dag', 'params', 'exp'],
    load: async () => (await import('./pipeline.js')).registerPipelineCommands,
  },
  { names: ['metrics'], load: async () => (await import('./metrics.js')).registerMetricsCommands },
  { names: ['model'], load: async () => (await import('./model.js')).registerModelCommands },
  { names: ['eval'], load: async () => (await import('./eval.js')).registerEvalCommand },
  {
    names: ['promote', 'rollback'],
    load: async () => (await import('./promote.js')).registerPromoteCommands,
  },
  {
    names: ['baseline'],
    load: async () => (await import('./baseline.js')).registerBaselineCommands,
  },
  { names: ['drift'], load: async () => (await import('./drift.js')).registerDriftCommands },
  {
    names: ['validate'],
    load: async () => (await import('./validate.js')).registerValidateCommands,
  },
  { names: ['serve'], load: async () => (await import('./serve.js')).registerServeCommands },
  { names: ['server'], load: async () => (await import('./server.js')).registerServerCommands },
  { names: ['report'], load: async () => (await import('./report.js')).registerReportCommand },
  { names: ['deploy'], load: async () => (await import('./deploy.js')).registerDeployCommands },
  {
    names: ['features'],
    load: async () => (await import('./features.js')).registerFeatureCommands,
  },
  { names: ['import'], load: async () => (await import('./import.js')).registerImportCommands },
  { names: ['ui'], load: async () => (await import('./ui.js')).registerUiCommands },
  {
    names: ['feedback'],
    load: async () => (await import('./feedback.js')).registerFeedbackCommands,
  },
  { names: ['perf'], load: async () => (await import('./perf.js')).registerPerfCommands },
  { names: ['monitor'], load: async () => (await import('./monitor.js')).registerMonitorCommands },
  {
    names: ['predictions'],
    load: async () => (await import('./predictions.js')).registerPredictionsCommands,
  },
  { names: ['stats'], load: async () => (await import('./stats.js')).registerStatsCommand },
];

function rootCommand(): Command {
  return new Command('mlo')
    .description(
      'local-first MLOps: version data, track runs, run pipelines, gate and serve models',
    )
    .version(pkg.version, '-V, --version', 'print the mlo version')
    .option('-C, --directory <dir>', 'run as if mlo was started in <dir>')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
}

async function buildWith(groups: readonly CommandGroup[]): Promise<Command> {
  const program = rootCommand();
  const registers = await Promise.all(groups.map((g) => g.load()));
  for (const register of registers) register(program);
  // Every subcommand fails like the root: one error line, exit 2, no stack.
  const applyExitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(applyExitOverride);
  };
  applyExitOverride(program);
  return program;
}

/** The whole command tree. */
export function buildProgram(): Promise<Command> {
  return buildWith(COMMAND_GROUPS);
}

/**
 * The tree `argv` needs: the file of the command it names, the root alone for
 * `--version`, else the whole tree (help, a mistyped command to suggest a name for).
 */
export function buildProgramFor(argv: readonly string[]): Promise<Command> {
  const args = argv.slice(2);
  const name = commandWord(args);
  if (name === undefined && args.length === 1 && /^(-V|--version)$/.test(args[0]))
    return buildWith([]);
  const group = COMMAND_GROUPS.find((g) => name !== undefined && g.names.includes(name));
  return buildWith(group ? [group] : COMMAND_GROUPS);
}

/** The first word after the global options; undefined when another flag comes first. */
export function commandWord(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-C' || arg === '--directory')
      i++; // its value is the next word
    else if (arg.startsWith('--directory=') || /^-C./.test(arg)) continue;
    else if (arg.startsWith('-')) return undefined;
    else return arg;
  }
  return undefined;
}
