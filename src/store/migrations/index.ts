/**
 * The numbered migrations, in order. Each capability owns one file; append new
 * migrations at the end and never edit one that has shipped.
 */
import type { Migration } from './types.js';
import { core } from './001-core.js';
import { tracking } from './002-tracking.js';
import { registry } from './003-registry.js';
import { monitor } from './004-monitor.js';
import { serve } from './005-serve.js';
import { validation } from './006-validation.js';
import { pins } from './007-pins.js';
import { mlflow } from './010-mlflow.js';
import { features } from './011-features.js';
import { predictionSpool } from './013-prediction-spool.js';
import { ui } from './014-ui.js';
import { sync } from './015-sync.js';
import { runSearch } from './016-run-search.js';
import { production } from './017-production.js';
import { statIndex } from './019-stat-index.js';
import { statFiles } from './020-stat-files.js';

export const MIGRATIONS: readonly Migration[] = [
  core,
  tracking,
  registry,
  monitor,
  serve,
  validation,
  pins,
  mlflow,
  features,
  predictionSpool,
  ui,
  sync,
  runSearch,
  production,
  statIndex,
  statFiles,
];

export type { Migration } from './types.js';
