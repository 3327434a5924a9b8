/** `mlo feedback add`: ground truth that arrives later, joined to the prediction log. */
import type { Command } from 'commander';
import type { FeedbackResult } from '../index.js';
import { action, cwdOf, lib } from './common.js';
import { color } from './render/color.js';
import { print, printJson, warn } from './render/output.js';
import { createProgress } from './render/progress.js';

interface AddFlags {
  id?: string;
  index?: string;
  entity?: string;
  entityFeature?: string;
  window?: string;
  model?: string;
  label: string;
  time?: string;
  json?: boolean;
}

export function registerFeedbackCommands(program: Command): void {
  const feedback = program
    .command('feedback')
    .description('ground truth for logged predictions (labels that arrive later)');

  feedback
    .command('add')
    .description(
      'join a file of labels to logged predictions by request id, or by entity key and time',
    )
    .argument('<file>', 'CSV, Parquet or JSON Lines with the labels')
    .option('--id <column>', "the column holding each request's x-request-id")
    .option('--index <column>', 'with --id: the instance within a multi-instance request (0-based)')
    .option(
      '--entity <column>',
      'instead of --id: the column holding an entity key (e.g. customer_id)',
    )
    .option(
      '--entity-feature <name>',
      'with --entity: the logged input feature holding the key (default: the column name)',
    )
    .option(
      '--window <duration>',
      'with --entity: how far before the label time its prediction may be (default 7d)',
    )
    .option('--model <name>', "with --entity: only this model's predictions")
    .requiredOption('--label <column>', 'the column holding the label')
    .option(
      '--time <column>',
      'when the label was observed (a date or epoch time; needed with --entity)',
    )
    .option('--json', 'print the counts as JSON')
    .action(
      action(async (file: string, opts: AddFlags, cmd: Command) => {
        const { openRepo, addFeedback } = await lib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        const progress = await createProgress();
        try {
          const r = await addFeedback(repo, {
            file,
            cwd,
            ...opts,
            onProgress: progress.onProgress,
          });
          progress.stop();
          if (opts.json) return printJson(r);
          renderFeedback(r);
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );
}

function renderFeedback(r: FeedbackResult): void {
  const n = (x: number): string => x.toLocaleString('en-US');
  print(
    `${n(r.received)} label(s): ${n(r.new)} new, ${n(r.changed)} changed, ${n(r.unchanged)} unchanged` +
      (r.duplicates > 0
        ? ` (${n(r.duplicates)} repeated key(s) in the file: the last one counts)`
        : ''),
  );
  print(`${color.bold(n(r.joined))} joined to ${n(r.rows)} logged prediction(s)`);
  if (r.unknown > 0) {
    warn(
      `${n(r.unknown)} label(s) match no logged ${r.mode === 'request' ? 'request id' : 'entity in the window'} (e.g. ${r.unknownExamples.join(', ')}); they are kept and join when their predictions are logged`,
    );
  }
  if (r.ambiguous > 0) {
    warn(
      `${n(r.ambiguous)} label(s) name a request logged with several instances but no matching --index`,
    );
  }
  const s = r.skipped;
  const skipped = [
    s.noKey && `${n(s.noKey)} without ${r.mode === 'request' ? 'an id' : 'an entity'}`,
    s.noLabel && `${n(s.noLabel)} without a label`,
    s.noTime && `${n(s.noTime)} without a time`,
    s.badIndex && `${n(s.badIndex)} with an index that is not a whole number >= 0`,
  ].filter(Boolean);
  if (skipped.length > 0) warn(`rows skipped: ${skipped.join(', ')}`);
}
