/**
 * The commands run less often than the data and run commands, registered together:
 * one module to load instead of twenty, which keeps `mlo --help` (which loads every
 * command) as quick as when the whole tree was one module. See program.ts.
 */
import type { Command } from 'commander';
import { registerExperimentCommands } from './experiments.js';
import { registerPipelineCommands } from './pipeline.js';
import { registerMetricsCommands } from './metrics.js';
import { registerModelCommands } from './model.js';
import { registerEvalCommand } from './eval.js';
import { registerPromoteCommands } from './promote.js';
import { registerBaselineCommands } from './baseline.js';
import { registerDriftCommands } from './drift.js';
import { registerValidateCommands } from './validate.js';
import { registerServeCommands } from './serve.js';
import { registerServerCommands } from './server.js';
import { registerReportCommand } from './report.js';
import { registerDeployCommands } from './deploy.js';
import { registerFeatureCommands } from './features.js';
import { registerImportCommands } from './import.js';
import { registerUiCommands } from './ui.js';
import { registerFeedbackCommands } from './feedback.js';
import { registerPerfCommands } from './perf.js';
import { registerMonitorCommands } from './monitor.js';
import { registerPredictionsCommands } from './predictions.js';
import { registerStatsCommand } from './stats.js';

export function registerMoreCommands(program: Command): void {
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
}
