/** `mlo init` */
import type { Command } from 'commander';
import { action, cwdOf, dataLib } from './common.js';
import { color } from './render/color.js';
import { print, printJson, warn } from './render/output.js';

export function registerRepoCommands(program: Command): void {
  program
    .command('init')
    .description('create an mlo repository (.mlo/) in the current directory')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { initRepo } = await dataLib();
        const r = initRepo(cwdOf(cmd));
        if (opts.json) return printJson(r);
        for (const w of r.warnings) warn(w);
        if (!r.created) {
          print(`mlo repository already exists at ${r.root} (nothing changed)`);
          return;
        }
        print(`${color.green('initialised')} mlo repository in ${r.root}/.mlo`);
        print(
          `next: ${color.bold('mlo add <data path>')} to version data, then commit the .mlo pointer files`,
        );
      }),
    );
}
