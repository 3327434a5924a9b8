/**
 * The command tree: every command group registers itself here. Kept apart from the
 * entry point so the docs generator can walk the same definitions users get.
 */
import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { registerBaselineCommands } from './baseline.js';
import { registerDataCommands } from './data.js';
import { registerDriftCommands } from './drift.js';
import { registerHookCommands } from './hooks.js';
import { registerModelCommands } from './model.js';
import { registerEvalCommand } from './eval.js';
import { registerPromoteCommands } from './promote.js';
import { registerRemoteCommands } from './remote.js';
import { registerTransferCommands } from './transfer.js';
import { registerRepoCommands } from './repo.js';
import { registerRunCommands } from './runs.js';
import { registerPipelineCommands } from './pipeline.js';
import { registerMetricsCommands } from './metrics.js';
import { registerValidateCommands } from './validate.js';
import { registerServeCommands } from './serve.js';
import { registerServerCommands } from './server.js';
import { registerReportCommand } from './report.js';
import { registerDeployCommands } from './deploy.js';
import { registerFeatureCommands } from './features.js';
import { registerExperimentCommands } from './experiments.js';
import { registerImportCommands } from './import.js';
import { registerUiCommands } from './ui.js';
import { registerFeedbackCommands } from './feedback.js';
import { registerPerfCommands } from './perf.js';
import { registerMonitorCommands } from './monitor.js';
import { registerPredictionsCommands } from './predictions.js';
import { registerStatsCommand } from './stats.js';

export function buildProgram(): Command {
  const program = new Command('mlo')
    .description(
      'local-first MLOps: version data, track runs, run pipelines, gate and serve models',
    )
    .version(pkg.version, '-V, --version', 'print the mlo version')
    .option('-C, --directory <dir>', 'run as if mlo was started in <dir>')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  registerRepoCommands(program);
  registerDataCommands(program);
  registerTransferCommands(program);
  registerRemoteCommands(program);
  registerHookCommands(program);
  registerRunCommands(program);
  registerExperimentCommands(program);
  registerPipelineCommands(program);
  registerMetricsCommands(program);
  registerModelCommands(program);
  registerEvalCommand(program);
  registerPromoteCommands(program);
  registerBaselineCommands(program);
  registerDriftCommands(program);
  registerValidateCommands(program);
  registerServeCommands(program);
  registerServerCommands(program);
  registerReportCommand(program);
  registerDeployCommands(program);
  registerFeatureCommands(program);
  registerImportCommands(program);
  registerUiCommands(program);
  registerFeedbackCommands(program);
  registerPerfCommands(program);
  registerMonitorCommands(program);
  registerPredictionsCommands(program);
  registerStatsCommand(program);
  // Every subcommand fails like the root: one error line, exit 2, no stack.
  const applyExitOverride = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(applyExitOverride);
  };
  applyExitOverride(program);
  return program;
}
