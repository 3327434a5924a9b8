/** `mlo import mlflow PATH|URL`: bring an MLflow file store or tracking server into this repository. */
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import { action, cwdOf, lib } from './common.js';
import { print, printJson, warn } from './render/output.js';

export function registerImportCommands(program: Command): void {
  const imp = program.command('import').description('bring records from other tools into mlo');
  imp
    .command('mlflow')
    .description(
      'import an MLflow file store (mlruns/) or tracking server (URL): experiments, runs with full metric history, artifacts, registered models; again imports nothing twice',
    )
    .argument(
      '<path|url>',
      'the mlruns/ directory, or a tracking server http(s)://HOST:PORT (auth: MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD)',
    )
    .option('--json', 'print what was imported as JSON')
    .action(
      action(async (path: string, opts: { json?: boolean }, cmd: Command) => {
        const { openRepo } = await lib();
        const { importMlflow, isTrackingUrl } = await import('../mlflow/import/index.js');
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        try {
          const r = await importMlflow(repo, isTrackingUrl(path) ? path : resolvePath(cwd, path));
          for (const w of r.warnings) warn(w);
          if (opts.json) return printJson(r);
          print(
            `imported ${r.runs.imported} run(s) (${r.runs.existing} already here), ${r.metricPoints} metric point(s), ${r.artifacts} artifact(s); ` +
              `${r.experiments.created} new experiment(s); ${r.versions.created} new model version(s) (${r.versions.existing} already here)`,
          );
        } finally {
          repo.close();
        }
      }),
    );
}
