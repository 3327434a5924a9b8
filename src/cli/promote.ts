/** `mlo promote` (gated alias moves) and `mlo rollback`. */
import type { Command } from 'commander';
import type { PromoteResult } from '../index.js';
import { action, cwdOf, lib } from './common.js';
import { describeChange, fmtNum } from './model.js';
import { color, errColor } from './render/color.js';
import { print, printJson, warn } from './render/output.js';
import { createProgress } from './render/progress.js';
import { renderTable } from './render/table.js';

interface RollbackFlags {
  alias: string;
  local?: boolean;
  json?: boolean;
}

interface PromoteFlags {
  local?: boolean;
  to: string;
  data?: string;
  target?: string;
  features?: string;
  dryRun?: boolean;
  reason?: string;
  json?: boolean;
}

export function registerPromoteCommands(program: Command): void {
  program
    .command('promote')
    .description("move an alias to a version if the alias's gates in mlo.yaml pass (exit 1 if not)")
    .argument('<ref>', 'the candidate: NAME@VERSION, NAME@ALIAS or NAME')
    .requiredOption('--to <alias>', 'the alias to move, e.g. champion')
    .option('--data <file>', 'evaluation data (default: promotion.<alias>.data)')
    .option('--target <column>', 'its target column (default: promotion.<alias>.target)')
    .option('--features <a,b,c>', 'feature columns, when the model has no registered names')
    .option('-n, --dry-run', 'decide and print, but move nothing and record nothing')
    .option('--local', "move the alias in this clone's own registry, not the server's")
    .option('--reason <text>', 'why: kept in the alias audit (default: $MLO_REASON)')
    .option(
      '--json',
      'print {"promoted": bool, "gates": [{"gate","observed","threshold","passed"}], ...}',
    )
    .action(
      action(async (ref: string, opts: PromoteFlags, cmd: Command) => {
        const { openRepo, openRegistry, promote, splitFeatureList } = await lib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        const progress = await createProgress();
        try {
          const registry = await openRegistry(repo, { local: opts.local });
          const r = await promote(repo, {
            registry,
            ref,
            to: opts.to,
            data: opts.data,
            target: opts.target,
            features: opts.features === undefined ? undefined : splitFeatureList(opts.features),
            dryRun: opts.dryRun,
            reason: opts.reason,
            cwd,
            onProgress: progress.onProgress,
          });
          progress.stop();
          for (const w of r.warnings) warn(w);
          if (opts.json) printJson(r);
          else renderPromotion(r);
          if (r.failed.length > 0) {
            const [first, ...rest] = r.gates.filter((g) => !g.passed);
            process.stderr.write(
              `${errColor.red('error:')} gate "${first.gate}" failed: ${first.reason}${rest.length ? ` (and ${rest.length} more: ${rest.map((g) => `"${g.gate}"`).join(', ')})` : ''}\n`,
            );
            return 1;
          }
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );

  program
    .command('rollback')
    .description('move an alias back to the version that held it before; audited')
    .argument('<name>', 'model name')
    .requiredOption('--alias <alias>', 'the alias to roll back, e.g. champion')
    .option('--local', "roll back in this clone's own registry, not the server's")
    .option('--json', 'print the change as JSON')
    .action(
      action(async (name: string, opts: RollbackFlags, cmd: Command) => {
        const { openRepo, openRegistry } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const registry = await openRegistry(repo, { local: opts.local });
          const change = await registry.rollbackAlias({ name, alias: opts.alias });
          if (opts.json) return printJson(change);
          print(`rolled back ${describeChange(change)}`);
        } finally {
          repo.close();
        }
      }),
    );
}

function renderPromotion(r: PromoteResult): void {
  const ref = `${r.name}@${r.version}`;
  if (r.alreadyHolds) {
    print(`${ref} already holds ${r.alias}; nothing to do`);
    return;
  }
  const holder = r.previous === null ? 'no current holder' : `current: ${r.name}@${r.previous}`;
  print(`${r.dryRun ? 'dry run: ' : ''}promote ${color.bold(ref)} → ${r.alias} (${holder})`);
  if (r.data) {
    const evals = r.evaluations
      .map(
        (e) =>
          `${e.model} ${e.reused ? `reused evaluation #${e.id}` : `evaluated${e.id ? ` (#${e.id})` : ''}`}`,
      )
      .join('; ');
    print(
      color.dim(`  data ${r.data.path} ${r.data.hash.slice(0, 12)}${evals ? `: ${evals}` : ''}`),
    );
  }
  print(
    renderTable(
      [
        'gate',
        { header: 'observed', align: 'right' },
        { header: 'threshold', align: 'right' },
        'result',
        '',
      ],
      r.gates.map((g) => [
        g.gate,
        fmtNum(g.observed),
        g.kind === 'validate' ? 'pass' : fmtNum(g.threshold),
        g.passed ? color.green('pass') : color.red('FAIL'),
        color.dim(g.reason),
      ]),
      { indent: '  ' },
    ),
  );
  const move = `${r.name}@${r.alias}: ${r.previous ?? 'none'} → ${r.version}`;
  if (r.dryRun) print(r.failed.length ? `would not move ${r.alias}` : `would move ${move}`);
  else if (r.promoted) print(color.green(`promoted ${move}`));
  else print(`${r.alias} stays at ${r.previous ?? 'none'}`);
}
