/**
 * The numbered migrations, in order. Each capability owns one file; append new
 * migrations at the end and never edit one that has shipped.
 */
import type { Migration } from './types.js';
import { core } from './001-core.js';
import { tracking } from './002-tracking.js';
import { registry } from './003-registry.js';
import { serve } from './005-serve.js';
export const MIGRATIONS: readonly Migration[] = [core, tracking, registry, serve];

export type { Migration } from './types.js';
