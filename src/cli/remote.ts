/** `mlo remote add|list|remove|default` */
import type { Command } from 'commander';
import { action, cwdOf, dataLib } from './common.js';
import { print, printJson } from './render/output.js';
import { renderTable } from './render/table.js';

export function registerRemoteCommands(program: Command): void {
  const remote = program
    .command('remote')
    .description('configure remotes that push and pull move data to and from');

  remote
    .command('add')
    .description('add a remote (a directory path); the first remote becomes the default')
    .argument('<name>')
    .argument('<url>', 'directory path (relative paths are relative to the repo root)')
    .option('-d, --default', 'make it the default remote')
    .action(
      action(async (name: string, url: string, opts: { default?: boolean }, cmd: Command) => {
        const { openRepo, addRemote } = await dataLib();
        const r = addRemote(openRepo(cwdOf(cmd)), name, url, { makeDefault: opts.default });
        print(`added remote ${r.name} -> ${r.url}${r.isDefault ? ' (default)' : ''}`);
      }),
    );

  remote
    .command('list')
    .description('list remotes')
    .option('--json', 'print the remotes as JSON')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { openRepo, listRemotes } = await dataLib();
        const remotes = listRemotes(openRepo(cwdOf(cmd)));
        if (opts.json) return printJson({ remotes });
        if (remotes.length === 0)
          return print('no remotes: add one with `mlo remote add <name> <dir>`');
        print(
          renderTable(
            ['name', 'url', 'default'],
            remotes.map((r) => [r.name, r.url, r.isDefault ? 'yes' : '']),
          ),
        );
      }),
    );

  remote
    .command('remove')
    .description('remove a remote from the config (its data is untouched)')
    .argument('<name>')
    .action(
      action(async (name: string, _opts: unknown, cmd: Command) => {
        const { openRepo, removeRemote } = await dataLib();
        removeRemote(openRepo(cwdOf(cmd)), name);
        print(`removed remote ${name}`);
      }),
    );

  remote
    .command('default')
    .description('set the default remote')
    .argument('<name>')
    .action(
      action(async (name: string, _opts: unknown, cmd: Command) => {
        const { openRepo, setDefaultRemote } = await dataLib();
        setDefaultRemote(openRepo(cwdOf(cmd)), name);
        print(`default remote: ${name}`);
      }),
    );
}
