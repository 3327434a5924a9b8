/** Shared by the validation tests: suites from plain items, and a table run on CSV text. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { compileExpectation } from '../../../src/validate/compile.js';
import { runSuite, type SuiteRun } from '../../../src/validate/run.js';
import { makeSuite } from '../../../src/validate/suite.js';
import type { ExpectationResult, ExpectationSuite } from '../../../src/validate/types.js';

export type Item = [string, Record<string, unknown>];

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-validate-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempFile(name: string, content: string | Uint8Array): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

/** A suite from [name, kwargs] items; throws on the first problem (tests of valid suites). */
export function suiteOf(items: Item[]): ExpectationSuite {
  return makeSuite(
    'test',
    'test',
    items.map(([type, kwargs]) => {
      const { compiled, problems } = compileExpectation(type, kwargs);
      if (compiled === undefined) throw new Error(problems.map((p) => p.message).join('; '));
      return compiled.config;
    }),
  );
}

/** Run items over CSV text. */
export async function runCsv(csv: string, items: Item[], name = 'data.csv'): Promise<SuiteRun> {
  return runSuite(tempFile(name, csv), suiteOf(items));
}

/** The result of one expectation over CSV text. */
export async function one(
  csv: string,
  type: string,
  kwargs: Record<string, unknown>,
): Promise<ExpectationResult> {
  const run = await runCsv(csv, [[type, kwargs]]);
  return run.results[0];
}

/**
 * CSV with a column `x` holding these cells (an empty string is a null cell) and a
 * row number `i` beside it (a one-column CSV cannot hold an empty line).
 */
export function column(cells: (string | number)[]): string {
  return ['x,i', ...cells.map((c, i) => `${String(c)},${i}`)].join('\n') + '\n';
}
