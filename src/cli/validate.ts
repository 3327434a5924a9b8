/** `mlo validate`: check a data file against an expectation suite, or infer one. */
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { ExpectationResult, ValidationResult } from '../index.js';
import { action, cwdOf, lib } from './common.js';
import { color } from './render/color.js';
import { print, printJson } from './render/output.js';
import { createProgress } from './render/progress.js';
import { renderTable } from './render/table.js';

interface ValidateFlags {
  suite?: string;
  json?: boolean;
  junit?: string;
  infer?: boolean;
  out?: string;
  format?: 'csv' | 'parquet' | 'jsonl';
  delimiter?: string;
  store?: boolean;
  list?: boolean;
}

const FORMATS = ['csv', 'parquet', 'jsonl'];

function parseFormat(value: string): 'csv' | 'parquet' | 'jsonl' {
  if (!FORMATS.includes(value)) {
    throw new InvalidArgumentError(`--format must be one of ${FORMATS.join(', ')}, got "${value}"`);
  }
  return value as 'csv' | 'parquet' | 'jsonl';
}

export function registerValidateCommands(program: Command): void {
  program
    .command('validate')
    .description(
      'check a data file against a suite of Great Expectations expectations (exit 1 when an error-severity one fails), or infer a suite',
    )
    .argument('[file]', 'the data file: CSV, Parquet or JSON Lines')
    .option(
      '-s, --suite <name|path>',
      "a suite under validation: in mlo.yaml, or a suite file (default: mlo.yaml's only suite)",
    )
    .option('--json', 'print {"success", "statistics", "results": [...]} as JSON')
    .option(
      '--junit <path>',
      'also write JUnit XML, one testcase per expectation (written whatever the exit code)',
    )
    .option('--infer', 'infer a suite from the data instead (types, nulls, ranges, categories)')
    .option('-o, --out <path>', 'with --infer: write the suite here (default: print it)')
    .option(
      '--format <format>',
      'table format when the extension does not say: csv, parquet, jsonl',
      parseFormat,
    )
    .option('--delimiter <char>', 'CSV field delimiter')
    .option('--no-store', 'do not keep the result in .mlo/mlo.db')
    .option('--list', 'list the expectations mlo knows, with their kwargs')
    .action(
      action(async (file: string | undefined, opts: ValidateFlags, cmd: Command) => {
        const api = await lib();
        if (opts.list) return listCatalog(api.listExpectations(), opts.json === true);
        if (file === undefined) {
          throw new api.MloError('USAGE', 'mlo validate needs a data file', {
            hint: 'mlo validate data/train.csv --suite raw  (or --infer to write a suite)',
          });
        }
        if (opts.infer && (opts.suite !== undefined || opts.junit !== undefined)) {
          throw new api.MloError(
            'USAGE',
            '--infer writes a suite; it does not take --suite or --junit',
          );
        }
        if (!opts.infer && opts.out !== undefined) {
          throw new api.MloError(
            'USAGE',
            '--out goes with --infer (to save the result: --json or --junit PATH)',
          );
        }
        const cwd = cwdOf(cmd);
        let repo: ReturnType<typeof api.openRepo>;
        try {
          repo = api.openRepo(cwd);
        } catch (err) {
          // not an mlo repository, a store too new: CI still gets a report saying so
          if (opts.junit !== undefined) {
            const run = { suite: opts.suite ?? 'mlo.yaml', file, error: err, elapsed_ms: 0 };
            api.writeJUnitErrorXml(run, resolve(cwd, opts.junit));
          }
          throw err;
        }
        const progress = await createProgress();
        try {
          const common = {
            file,
            cwd,
            format: opts.format,
            delimiter: opts.delimiter,
            onProgress: progress.onProgress,
          };
          if (opts.infer) {
            const r = await api.inferSuiteFile(repo, { ...common, out: opts.out });
            progress.stop();
            if (opts.json)
              return printJson({
                out: r.out ?? null,
                rows: r.rows,
                expectations: r.suite.expectations,
              });
            if (r.out === undefined) return print(r.yaml);
            print(
              `${color.green('wrote')} ${r.suite.expectations.length} expectations to ${r.out} (inferred from ${r.rows.toLocaleString('en-US')} rows)`,
            );
            print(color.dim(`check new data with: mlo validate FILE --suite ${r.out}`));
            return;
          }
          const result = await api.validateFile(repo, {
            ...common,
            suite: opts.suite,
            store: opts.store,
            junit: opts.junit,
          });
          progress.stop();
          if (opts.json) printJson(result);
          else renderResult(result, api.expectationTarget);
          return result.success ? 0 : 1;
        } finally {
          progress.stop();
          repo.close();
        }
      }),
    );
}

function listCatalog(
  entries: { name: string; kwargs: string[]; required: string[]; description: string }[],
  json: boolean,
): void {
  if (json) return printJson({ expectations: entries });
  for (const e of entries) {
    const kwargs = e.kwargs.map((k) => (e.required.includes(k) ? k : `[${k}]`)).join(' ');
    print(`${color.bold(e.name)} ${color.dim(kwargs)}`);
    print(`    ${e.description}`);
  }
}

const MAX_CELL = 48;
const clip = (s: string): string => (s.length > MAX_CELL ? `${s.slice(0, MAX_CELL - 1)}…` : s);

function showValue(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'number')
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? '';
}

function unexpectedCell(r: ExpectationResult): string {
  const u = r.result.unexpected_count;
  if (u === undefined) return '';
  const p = r.result.unexpected_percent;
  const percent =
    p === null || p === undefined ? '' : ` (${p === 0 ? '0' : Number(p.toPrecision(3))}%)`;
  if (u === 0) return `0${percent}`;
  const examples = (r.result.partial_unexpected_list ?? [])
    .slice(0, 3)
    .map((v) => (v === null ? 'null' : showValue(v)))
    .join(', ');
  return `${u.toLocaleString('en-US')}${percent}${examples === '' || examples.startsWith('null') ? '' : `: ${examples}`}`;
}

function statusCell(r: ExpectationResult): string {
  if (r.success) return color.green('pass');
  if (r.severity === 'warn') return color.yellow('warn');
  return r.exception_info.raised_exception ? color.red('ERROR') : color.red('FAIL');
}

function renderResult(
  result: ValidationResult,
  expectationTarget: (r: ExpectationResult) => string,
): void {
  const { data, suite, statistics: s } = result;
  print(
    `suite ${color.bold(suite.name)}${suite.file !== suite.name ? color.dim(` (${suite.file})`) : ''} on ${color.bold(data.file)}: ${data.rows.toLocaleString('en-US')} rows, ${data.columns.length} columns ${color.dim(`sha256 ${data.hash.slice(0, 12)}`)}`,
  );
  print();
  const rows = result.results.map((r) => [
    statusCell(r),
    r.expectation_config.expectation_type,
    clip(expectationTarget(r)),
    clip(r.exception_info.raised_exception ? '-' : showValue(r.result.observed_value)),
    clip(unexpectedCell(r)),
    r.severity === 'warn' ? color.yellow('warn') : 'error',
  ]);
  print(
    renderTable(
      [
        'RESULT',
        'EXPECTATION',
        'COLUMN',
        'OBSERVED',
        { header: 'UNEXPECTED', align: 'left' },
        'SEVERITY',
      ],
      rows,
      { indent: '  ' },
    ),
  );
  const failed = result.results.filter((r) => !r.success);
  if (failed.length > 0) {
    print();
    for (const r of failed) {
      const target = expectationTarget(r);
      const mark = r.severity === 'warn' ? color.yellow('!') : color.red('✗');
      print(
        `  ${mark} ${r.expectation_config.expectation_type}${target === '' ? '' : `(${target})`}: ${r.summary}`,
      );
    }
  }
  print();
  const errors = s.unsuccessful - s.warnings;
  const parts = [`${s.successful} of ${s.evaluated} expectations passed`];
  if (errors > 0) parts.push(color.red(`${errors} failed`));
  if (s.warnings > 0)
    parts.push(color.yellow(`${s.warnings} warning${s.warnings === 1 ? '' : 's'}`));
  const verdict = result.success ? color.green('data is valid') : color.red('validation failed');
  print(
    `${verdict}: ${parts.join(', ')}${result.id !== undefined ? color.dim(` (stored as validation ${result.id})`) : ''}`,
  );
}
