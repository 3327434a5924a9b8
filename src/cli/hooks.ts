/** `mlo hooks install|uninstall|run` */
import type { Command } from 'commander';
import { action, cwdOf, dataLib } from './common.js';
import { note, print, printJson } from './render/output.js';

export function registerHookCommands(program: Command): void {
  const hooks = program.command('hooks').description('git hooks that keep data in step with git');

  hooks
    .command('install')
    .description(
      'install post-checkout, post-merge, pre-push and pre-commit hooks (keeps existing hooks, chained)',
    )
    .option('--json', 'print the result as JSON')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { openRepo, installHooks } = await dataLib();
        const r = installHooks(openRepo(cwdOf(cmd)));
        if (opts.json) return printJson(r);
        if (r.installed.length) print(`installed ${r.installed.join(', ')} in ${r.dir}`);
        if (r.chained.length)
          print(`kept your existing ${r.chained.join(', ')} (renamed *.pre-mlo; they run first)`);
        if (r.unchanged.length && !r.installed.length) print('hooks already installed');
      }),
    );

  hooks
    .command('uninstall')
    .description('remove mlo hooks and restore the ones they replaced')
    .action(
      action(async (_opts: unknown, cmd: Command) => {
        const { openRepo, uninstallHooks } = await dataLib();
        const r = uninstallHooks(openRepo(cwdOf(cmd)));
        print(r.removed.length ? `removed ${r.removed.join(', ')}` : 'no mlo hooks installed');
      }),
    );

  hooks
    .command('run', { hidden: true })
    .description('run the logic of one hook (called by the hook scripts)')
    .argument('<name>')
    .argument('[args...]')
    .action(
      action(async (name: string, args: string[], _opts: unknown, cmd: Command) => {
        const { openRepo, runHook } = await dataLib();
        const r = await runHook(openRepo(cwdOf(cmd)), name, args);
        for (const m of r.messages) note(m);
        return r.exitCode;
      }),
    );
}
