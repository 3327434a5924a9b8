/**
 * `mlo push`, `mlo fetch`, `mlo pull`, and the `--remote` forms of status, gc and
 * fsck: flags in, one library call, a table or `--json` out.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { FetchResult, PullRecordsResult, PushRecordsResult } from '../index.js';
import { formatBytes } from '../util/fs.js';
import { action, cwdOf, dataLib, lib, parsePositiveInt } from './common.js';
import { renderCheckout } from './data.js';
import { color } from './render/color.js';
import { print, printJson, warn } from './render/output.js';
import { createProgress } from './render/progress.js';
import { renderTable } from './render/table.js';

interface TransferFlags {
  remote?: string;
  jobs?: number;
  json?: boolean;
  rev?: string;
  allCommits?: boolean;
}

export function parseNonNegative(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0)
      throw new InvalidArgumentError(`${flag} must be a number of 0 or more, got "${value}"`);
    return n;
  };
}

function transferOptions(cmd: Command): Command {
  return cmd
    .option('-r, --remote <name>', 'remote to use (default: the default remote)')
    .option(
      '-j, --jobs <n>',
      "parallel transfers (default: the remote's jobs setting, else 16 for S3, 8 for a directory or server)",
      parsePositiveInt('--jobs'),
    )
    .option(
      '--json',
      'print a summary as JSON (objects, bytes, requests by kind, retries, seconds)',
    );
}

function sample(list: string[]): string {
  return `${list.slice(0, 5).join(', ')}${list.length > 5 ? `, ... (${list.length} in all)` : ''}`;
}

export function registerTransferCommands(program: Command): void {
  transferOptions(
    program
      .command('push')
      .description(
        'upload what the repository references to a remote: tracked data, pipeline outputs and run cache, run artifacts, model versions; to a server remote, also runs, evaluations, baselines, validation and drift results',
      )
      .argument('[paths...]', 'only what these paths reference (tracked paths, stage outputs)'),
  )
    .option('--rev <rev>', 'what pointer files and mlo.lock reference at this git revision')
    .option('--all-commits', '... in every commit reachable from any branch or tag')
    .action(
      action(async (paths: string[], opts: TransferFlags, cmd: Command) => {
        const { openRepo, pushAll } = await lib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        const progress = await createProgress();
        try {
          const r = await pushAll(repo, { cwd, paths, ...opts, onProgress: progress.onProgress });
          progress.stop();
          if (opts.json) printJson(r);
          else {
            print(
              `pushed ${r.uploaded} object(s) (${formatBytes(r.bytes)}) to ${r.remote}; ${r.skipped} already there`,
            );
            if (r.records) renderPushedRecords(r.records);
          }
          if (r.records?.refused.length) {
            for (const x of r.records.refused.slice(0, 10)) {
              warn(`${r.remote} refused ${x.kind} ${x.key.slice(0, 8)}: ${x.reason ?? x.status}`);
            }
            return 1;
          }
          if (r.missingLocal.length) {
            warn(
              `in neither the local cache nor ${r.remote}, not pushed: ${sample(r.missingLocal)}`,
            );
            return 1;
          }
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );

  transferOptions(
    program
      .command('fetch')
      .description(
        'download what the repository references from a remote into the cache; the workspace is not touched',
      )
      .argument(
        '[paths...]',
        'only what these paths reference (a part of a tracked directory too)',
      ),
  )
    .option('--rev <rev>', 'what pointer files and mlo.lock reference at this git revision')
    .option('--all-commits', '... in every commit reachable from any branch or tag')
    .action(
      action(async (paths: string[], opts: TransferFlags, cmd: Command) => {
        const { openRepo, fetch } = await dataLib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        const progress = await createProgress();
        try {
          const r = await fetch(repo, { cwd, paths, ...opts, onProgress: progress.onProgress });
          progress.stop();
          if (opts.json) printJson(r);
          else printFetched(r);
          return warnMissing(r) ? 1 : 0;
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );

  transferOptions(
    program
      .command('pull')
      .description(
        "fetch what the workspace references, then check it out (tracked paths, and stage outputs that are missing); from a server remote, first the team's records (runs, registry, results, prediction log)",
      )
      .argument(
        '[paths...]',
        'only these tracked paths or stage outputs; a path inside a tracked directory fetches only that part',
      ),
  )
    .option('-f, --force', 'overwrite workspace content that is not in the cache')
    .option(
      '--no-predictions',
      'from a server: leave the production prediction log and its labels on the server',
    )
    .action(
      action(
        async (
          paths: string[],
          opts: TransferFlags & { force?: boolean; predictions: boolean },
          cmd: Command,
        ) => {
          const { openRepo, pullAll } = await lib();
          const cwd = cwdOf(cmd);
          const repo = openRepo(cwd);
          const progress = await createProgress();
          try {
            const r = await pullAll(repo, { cwd, paths, ...opts, onProgress: progress.onProgress });
            progress.stop();
            if (opts.json) printJson(r);
            else {
              if (r.records) renderPulledRecords(r.records);
              printFetched(r);
              renderCheckout(r.checkout);
            }
            const missing = warnMissing(r);
            return missing || r.checkout.missing.length ? 1 : 0;
          } finally {
            progress.stop();
            repo.close();
          }
        },
      ),
    );
}

function renderPushedRecords(r: PushRecordsResult): void {
  const kept = r.kept ? `; ${r.kept} kept here (about models only this clone's registry has)` : '';
  print(
    `pushed ${r.applied} record(s) to ${r.remote}${r.unchanged ? `; ${r.unchanged} already there` : ''}${kept}`,
  );
  if (r.objects.sent) print(`  with ${r.objects.sent} object(s) they refer to`);
}

function renderPulledRecords(r: PullRecordsResult): void {
  print(
    `pulled ${r.applied} record(s) from ${r.remote}${r.unchanged ? `; ${r.unchanged} unchanged` : ''}`,
  );
  if (r.predictions) print(`  ${r.predictions.toLocaleString('en-US')} prediction-log row(s)`);
  if (r.labels.added) {
    print(
      `  ${r.labels.added.toLocaleString('en-US')} label(s), ${r.labels.joined.toLocaleString('en-US')} joined to logged predictions`,
    );
  }
  if (r.models.fetched) {
    print(`  ${r.models.fetched} model file(s) (${formatBytes(r.models.bytes)})`);
  }
  if (r.pending)
    warn(`${r.pending} record(s) wait for records they refer to (the next pull retries)`);
  for (const x of r.refused.slice(0, 10))
    warn(`not taken: ${x.kind} ${x.key.slice(0, 8)}: ${x.reason}`);
}

function printFetched(r: FetchResult): void {
  print(
    `fetched ${r.downloaded} object(s) (${formatBytes(r.bytes)}) from ${r.remote}; ${r.skipped} already cached`,
  );
}

function warnMissing(r: FetchResult): boolean {
  if (!r.missingRemote.length) return false;
  warn(
    `${r.missingRemote.length} object(s) are not on ${r.remote}: ${sample(r.missingRemote)}; push them from a machine that has them`,
  );
  return true;
}

const REMOTE_STATE_COLOR: Record<string, (s: string) => string> = {
  ok: color.green,
  'not pushed': color.yellow,
  'not fetched': color.magenta,
  missing: color.red,
};

export async function remoteStatusCommand(
  _paths: string[],
  opts: { json?: boolean; exitCode?: boolean; remote?: string; jobs?: number },
  cmd: Command,
): Promise<number> {
  const { openRepo, remoteStatus } = await dataLib();
  const repo = openRepo(cwdOf(cmd));
  try {
    const r = await remoteStatus(repo, { remote: opts.remote, jobs: opts.jobs });
    if (opts.json) printJson(r);
    else if (r.entries.length === 0) print('nothing referenced yet');
    else {
      print(
        renderTable(
          ['state', 'what', 'objects here only', 'on remote only', 'on neither'],
          r.entries.map((e) => [
            REMOTE_STATE_COLOR[e.state](e.state),
            e.where,
            String(e.objects.localOnly),
            String(e.objects.remoteOnly),
            String(e.objects.missing),
          ]),
        ),
      );
      const t = r.totals;
      print(
        color.dim(
          `${t.both} object(s) on both sides, ${t.localOnly} only here (mlo push), ${t.remoteOnly} only on ${r.remote} (mlo fetch), ${t.missing} on neither`,
        ),
      );
    }
    return opts.exitCode && r.entries.some((e) => e.state !== 'ok') ? 1 : 0;
  } finally {
    repo.close();
  }
}

export async function remoteGcCommand(
  opts: {
    json?: boolean;
    remote?: string;
    rev?: string[];
    allCommits?: boolean;
    yes?: boolean;
    grace?: number;
    dryRun?: boolean;
  },
  cmd: Command,
): Promise<number> {
  const { openRepo, gcRemote } = await dataLib();
  const repo = openRepo(cwdOf(cmd));
  try {
    const r = await gcRemote(repo, {
      remote: opts.remote,
      revs: opts.rev,
      allCommits: opts.allCommits,
      yes: opts.yes && !opts.dryRun,
      ...(opts.grace !== undefined && { graceMs: opts.grace * 3600 * 1000 }),
    });
    if (opts.json) printJson(r);
    else {
      const verb = r.dryRun ? 'would remove' : 'removed';
      print(
        `${verb} ${r.removed} object(s), ${formatBytes(r.removedBytes)} from ${r.remote}; kept ${r.kept} referenced, ${r.recent} recent`,
      );
      if (r.dryRun) {
        for (const h of r.objects.slice(0, 20)) print(`  ${h}`);
        if (r.objects.length > 20) print(`  ... and ${r.objects.length - 20} more`);
        if (r.removed) print(color.dim('delete them with `mlo gc --remote NAME --yes`'));
      }
    }
    return 0;
  } finally {
    repo.close();
  }
}

export async function remoteFsckCommand(
  opts: { json?: boolean; remote?: string; shallow?: boolean; jobs?: number },
  cmd: Command,
): Promise<number> {
  const { openRepo, fsckRemote } = await dataLib();
  const repo = openRepo(cwdOf(cmd));
  const progress = await createProgress();
  try {
    const r = await fsckRemote(repo, {
      remote: opts.remote,
      shallow: opts.shallow,
      jobs: opts.jobs,
      onProgress: progress.onProgress,
    });
    progress.stop();
    if (opts.json) printJson(r);
    else if (r.ok) print(`${color.green('ok')}: ${r.checked} object(s) on ${r.remote} verified`);
    else {
      print(
        renderTable(
          ['problem', 'object', 'where'],
          r.problems.map((p) => [color.red(p.problem), p.hash.slice(0, 16), p.where]),
        ),
      );
      print(`${r.problems.length} problem(s) on ${r.remote}`);
    }
    return r.ok ? 0 : 1;
  } finally {
    progress.stop();
    repo.close();
  }
}
