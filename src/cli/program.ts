/**
 * The command tree. Each row of COMMAND_GROUPS is a module that registers some
 * commands on the root, loaded only when needed: a run of `mlo status` loads the data
 * commands' module alone, which keeps the flags of forty other commands (and what
 * they import) out of its start-up. The less used commands share one module
 * (more-commands.ts), so the whole tree, which help, suggestions for a mistyped name
 * and the docs generator (scripts/gen-docs.mjs) need, stays a few modules.
 */
import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };

type Register = (program: Command) => void;

/** One command file: the top-level command names it registers, and its register function. */
export interface CommandGroup {
  names: readonly string[];
  load: () => Promise<Register>;
}

// In help's order. test/unit/cli/program.test.ts checks that each row registers
// exactly the names listed in it, so a command added without its name fails there.
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
    names: [
      'experiments',
      'repro',
      'dag',
      'params',
      'exp',
      'metrics',
      'model',
      'eval',
      'promote',
      'rollback',
      'baseline',
      'drift',
      'validate',
      'serve',
      'server',
      'report',
      'deploy',
      'features',
      'import',
      'ui',
      'feedback',
      'perf',
      'monitor',
      'predictions',
      'stats',
    ],
    load: async () => (await import('./more-commands.js')).registerMoreCommands,
  },
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
