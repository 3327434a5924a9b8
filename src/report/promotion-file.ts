/**
 * Gate decisions from `mlo promote --json` output files. A pull request runs
 * `mlo promote --dry-run`, which by design records nothing in the audit log (a dry
 * run decides nothing); CI saves its JSON and hands it to `mlo report --promotion`
 * so the comment still shows what the gates said.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import '../util/schema.js';
import { MloError } from '../errors.js';
import type { PromotionEntry } from './types.js';

const gateValue = z.nullable(z.union([z.number(), z.boolean()]));

const promoteJson = z.looseObject({
  name: z.string(),
  alias: z.string(),
  version: z.number(),
  previous: z.nullable(z.number()),
  promoted: z.boolean(),
  dryRun: z.boolean(),
  alreadyHolds: z.optional(z.boolean()),
  gates: z.array(
    z.looseObject({
      gate: z.string(),
      observed: gateValue,
      threshold: gateValue,
      passed: z.boolean(),
      reason: z.string(),
    }),
  ),
});

/** One `mlo promote --json` document as a report entry; `at` is when the file was read. */
export function readPromotionFile(path: string, at: Date = new Date()): PromotionEntry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new MloError('NOT_FOUND', `--promotion ${path}: no such file`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new MloError('INVALID', `--promotion ${path}: not JSON`, {
      hint: 'save the output of `mlo promote REF --to ALIAS --dry-run --json`',
    });
  }
  const parsed = z.safeParse(promoteJson, json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join('.') || '(top level)';
    throw new MloError(
      'INVALID',
      `--promotion ${path}: not the output of \`mlo promote --json\` (${field}: ${issue.message})`,
    );
  }
  const p = parsed.data;
  // a dry run that would pass is shown as such, never as a move that happened
  const passed = p.gates.every((g) => g.passed);
  return {
    model: p.name,
    alias: p.alias,
    version: p.version,
    from: p.previous,
    outcome: p.alreadyHolds
      ? 'unchanged'
      : p.dryRun
        ? passed
          ? 'moved'
          : 'rejected'
        : p.promoted
          ? 'moved'
          : 'rejected',
    promoted: p.dryRun ? passed : p.promoted,
    dry_run: p.dryRun,
    who: '',
    at: at.toISOString(),
    commit: null,
    gates: p.gates.map((g) => ({
      gate: g.gate,
      observed: g.observed,
      threshold: g.threshold,
      passed: g.passed,
      reason: g.reason,
    })),
  };
}
