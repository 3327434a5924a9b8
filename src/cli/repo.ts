/** `mlo init` (and `mlo init --template NAME`) */
import type { Command } from 'commander';
import { action, cwdOf, dataLib, lib } from './common.js';
import { color } from './render/color.js';
import { print, printJson, warn } from './render/output.js';
import type { InitResult, InitTemplateResult, TemplateFile } from '../index.js';

interface InitOptions {
  json?: boolean;
  template?: string;
  force?: boolean;
}

const ACTION_NOTE: Record<TemplateFile['action'], string> = {
  created: '',
  overwritten: ' (overwritten)',
  appended: ' (section appended)',
  replaced: ' (section rewritten)',
};

export function registerRepoCommands(program: Command): void {
  program
    .command('init')
    .description('create an mlo repository (.mlo/) in the current directory')
    .option(
      '-t, --template <name>',
      'also write a project skeleton: classification or regression (mlo.yaml, params.yaml, stage scripts, suites, CI workflow, README section)',
    )
    .option('-f, --force', 'with --template: overwrite files that exist')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (opts: InitOptions, cmd: Command) => {
        if (opts.force && opts.template === undefined) {
          const { MloError } = await lib();
          throw new MloError('USAGE', '--force only applies with --template');
        }
        if (opts.template !== undefined) {
          const { initWithTemplate } = await lib();
          const r = initWithTemplate(cwdOf(cmd), { template: opts.template, force: opts.force });
          if (opts.json) return printJson(r);
          printInit(r, 'using the mlo repository at');
          printTemplate(r);
          return;
        }
        const { initRepo } = await dataLib();
        const r = initRepo(cwdOf(cmd));
        if (opts.json) return printJson(r);
        printInit(r);
        if (r.created) {
          print(
            `next: ${color.bold('mlo add <data path>')} to version data, then commit the .mlo pointer files`,
          );
        }
      }),
    );
}

function printInit(r: InitResult, existing?: string): void {
  for (const w of r.warnings) warn(w);
  if (r.created) print(`${color.green('initialised')} mlo repository in ${r.root}/.mlo`);
  else if (existing) print(`${existing} ${r.root}`);
  else print(`mlo repository already exists at ${r.root} (nothing changed)`);
}

function printTemplate(r: InitTemplateResult): void {
  const t = r.template;
  print(`${color.green('wrote')} the ${color.bold(t.template)} template: ${t.description}`);
  for (const f of t.files) print(`  ${f.path}${ACTION_NOTE[f.action]}`);
  print('');
  print('next (also in README.md):');
  for (const c of t.commands) print(`  ${color.dim(`# ${c.why}`)}\n  ${color.bold(c.run)}`);
}
