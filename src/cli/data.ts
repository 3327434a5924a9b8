/** Data versioning commands: add, status, checkout, gc, fsck, push, pull. */
import type { Command } from 'commander';
import type { CheckoutResult, StatusEntry } from '../index.js';
import { formatBytes } from '../util/fs.js';
import { action, addLib, collect, cwdOf, dataLib, parsePositiveInt, statusLib } from './common.js';
import {
  parseNonNegative,
  remoteFsckCommand,
  remoteGcCommand,
  remoteStatusCommand,
} from './transfer.js';
import { color } from './render/color.js';
import { print, printJson, warn } from './render/output.js';
import { createProgress } from './render/progress.js';
import { renderTable } from './render/table.js';

const STATE_COLOR: Record<StatusEntry['state'], (s: string) => string> = {
  ok: color.green,
  modified: color.yellow,
  missing: color.red,
  uncached: color.magenta,
};

export function registerDataCommands(program: Command): void {
  program
    .command('add')
    .description(
      'track files or directories: cache their content and write <path>.mlo pointer files',
    )
    .argument('<paths...>', 'files or directories to track')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (paths: string[], opts: { json?: boolean }, cmd: Command) => {
        const { openRepo, add } = await addLib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        const progress = await createProgress();
        try {
          const r = await add(repo, paths, { cwd, onProgress: progress.onProgress });
          progress.stop();
          for (const w of r.warnings) warn(w);
          if (opts.json) return printJson(r);
          for (const e of r.entries) {
            const what =
              e.type === 'dir' ? `${e.files} files, ${formatBytes(e.size)}` : formatBytes(e.size);
            const verb = e.result === 'unchanged' ? color.dim('unchanged') : color.green(e.result);
            print(`${verb} ${e.path} (${what}) -> ${e.pointer}`);
          }
          if (r.entries.some((e) => e.result !== 'unchanged')) {
            print(
              color.dim(
                `commit the pointer files: git add ${r.entries.map((e) => e.pointer).join(' ')}`,
              ),
            );
          }
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );

  program
    .command('status')
    .description('show each tracked path: ok, modified, missing or uncached')
    .argument('[paths...]', 'limit to these tracked paths')
    .option('--json', 'print {"entries":[{"path","state"}]}')
    .option('--exit-code', 'exit 1 when any path is not ok')
    .option(
      '--remote <name>',
      'compare with a remote instead: what is not pushed, not fetched, or on neither side',
    )
    .option('-j, --jobs <n>', 'with --remote: parallel requests', parsePositiveInt('--jobs'))
    .action(
      action(
        async (
          paths: string[],
          opts: { json?: boolean; exitCode?: boolean; remote?: string; jobs?: number },
          cmd: Command,
        ) => {
          if (opts.remote !== undefined) return remoteStatusCommand(paths, opts, cmd);
          const cwd = cwdOf(cmd);
          (await import('../data/status-warm.js')).warmForStatus(cwd);
          const { openRepo, status } = await statusLib();
          const repo = openRepo(cwd);
          try {
            const r = await status(repo, { cwd, paths });
            if (opts.json) printJson(r);
            else renderStatus(r.entries);
            return opts.exitCode && r.entries.some((e) => e.state !== 'ok') ? 1 : 0;
          } finally {
            repo.close();
          }
        },
      ),
    );

  program
    .command('checkout')
    .description('make the workspace match the pointer files')
    .argument('[paths...]', 'limit to these tracked paths')
    .option('-f, --force', 'overwrite or delete workspace content that is not in the cache')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (paths: string[], opts: { force?: boolean; json?: boolean }, cmd: Command) => {
        const { openRepo, checkout } = await dataLib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        const progress = await createProgress();
        try {
          const r = await checkout(repo, {
            cwd,
            paths,
            force: opts.force,
            onProgress: progress.onProgress,
          });
          progress.stop();
          if (opts.json) printJson(r);
          else renderCheckout(r);
          return r.missing.length ? 1 : 0;
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );

  program
    .command('gc')
    .description(
      'delete cache objects that no pointer file, lock file, model, run or baseline uses',
    )
    .option('-n, --dry-run', 'list what would be deleted, delete nothing')
    .option('--all-commits', 'also keep objects referenced in any git commit')
    .option('--json', 'print the result as JSON')
    .option(
      '--remote <name>',
      'collect a remote instead (a dry run unless --yes); the workspace, the store and --rev revisions are kept',
    )
    .option('--rev <rev>', 'with --remote: also keep what this git revision references', collect)
    .option('--yes', 'with --remote: delete for real')
    .option(
      '--grace <hours>',
      'with --remote: keep unreferenced objects younger than this (default 24)',
      parseNonNegative('--grace'),
    )
    .action(
      action(
        async (
          opts: {
            dryRun?: boolean;
            allCommits?: boolean;
            json?: boolean;
            remote?: string;
            rev?: string[];
            yes?: boolean;
            grace?: number;
          },
          cmd: Command,
        ) => {
          if (opts.remote !== undefined) return remoteGcCommand(opts, cmd);
          const { openRepo, gc } = await dataLib();
          const repo = openRepo(cwdOf(cmd));
          try {
            const r = gc(repo, { dryRun: opts.dryRun, allCommits: opts.allCommits });
            for (const w of r.warnings) warn(w);
            if (opts.json) return printJson(r);
            const verb = r.dryRun ? 'would remove' : 'removed';
            print(`${verb} ${r.removed} object(s), ${formatBytes(r.removedBytes)}; kept ${r.kept}`);
            if (r.dryRun) for (const h of r.objects.slice(0, 50)) print(`  ${h}`);
            if (r.dryRun && r.objects.length > 50) print(`  ... and ${r.objects.length - 50} more`);
          } finally {
            repo.close();
          }
        },
      ),
    );

  program
    .command('fsck')
    .description(
      're-hash every cache object and check every reference (pointers, mlo.lock, run cache, runs, models); exit 1 on any problem',
    )
    .option('--json', 'print the result as JSON')
    .option(
      '--remote <name>',
      'check a remote instead: every referenced object is there, and (unless --shallow) hashes right',
    )
    .option('--shallow', 'with --remote: check presence and sizes only, download nothing')
    .option('-j, --jobs <n>', 'with --remote: parallel requests', parsePositiveInt('--jobs'))
    .action(
      action(
        async (
          opts: { json?: boolean; remote?: string; shallow?: boolean; jobs?: number },
          cmd: Command,
        ) => {
          if (opts.remote !== undefined) return remoteFsckCommand(opts, cmd);
          const { openRepo, fsck } = await dataLib();
          const repo = openRepo(cwdOf(cmd));
          const progress = await createProgress();
          try {
            const r = fsck(repo, { onProgress: progress.onProgress });
            progress.stop();
            if (opts.json) printJson(r);
            else if (r.ok)
              print(
                `${color.green('ok')}: ${r.checked} object(s) verified, ${r.references} reference(s) found`,
              );
            else {
              print(
                renderTable(
                  ['problem', 'object', 'where'],
                  r.problems.map((p) => [
                    color.red(p.problem),
                    p.hash.slice(0, 16),
                    p.detail ? `${p.where} (${p.detail})` : p.where,
                  ]),
                ),
              );
              print(`${r.problems.length} problem(s) in ${r.checked} object(s)`);
            }
            return r.ok ? 0 : 1;
          } finally {
            progress.stop();
            repo.close();
          }
        },
      ),
    );
}

function renderStatus(entries: StatusEntry[]): void {
  if (entries.length === 0) {
    print('nothing tracked yet: track data with `mlo add <path>`');
    return;
  }
  const rows = entries.map((e) => {
    const detail = e.changes
      ? color.dim(
          ` (${e.changes.modified.length} modified, ${e.changes.added.length} added, ${e.changes.deleted.length} deleted)`,
        )
      : '';
    return [STATE_COLOR[e.state](e.state), `${e.path}${e.type === 'dir' ? '/' : ''}${detail}`];
  });
  print(renderTable(['state', 'path'], rows));
  const has = (s: StatusEntry['state']): boolean => entries.some((e) => e.state === s);
  if (has('modified')) print(color.dim('record changes:   mlo add <path>'));
  if (has('missing')) print(color.dim('restore data:     mlo checkout'));
  if (has('uncached')) print(color.dim('fetch data:       mlo pull'));
}

export function renderCheckout(r: CheckoutResult): void {
  for (const p of r.restored) print(`${color.green('restored')} ${p}`);
  for (const p of r.removed) print(`${color.yellow('removed')}  ${p}`);
  if (r.restored.length === 0 && r.missing.length === 0)
    print('workspace already matches the pointer files');
  if (r.missing.length) {
    print(
      `${color.red('not in cache')}: ${r.missing.slice(0, 10).join(', ')}${r.missing.length > 10 ? `, ... (${r.missing.length} in all)` : ''}`,
    );
    print(color.dim('fetch them with `mlo pull`'));
  }
}
