/**
 * JUnit XML for CI: one testcase per expectation, so a failed data check shows up
 * where failed tests do. Error-severity failures are <failure>s; expectations that
 * could not run (a column the file lacks, a mean of text, a missing baseline) are
 * <error>s and counted in `errors` whatever their severity, since no severity makes
 * an unanswered question an answer; warn-severity failures pass with the warning in
 * <system-out> (the run's exit code does not fail on them either). A run that could
 * not happen at all (no such file, an unreadable file, a malformed suite) is one
 * errored testcase, so CI reporters still show why.
 *
 * Checked against the JUnit schema Jenkins' xUnit plugin validates with
 * (test/fixtures/junit). Jenkins splits `classname` at its last dot into package and
 * class, so the class is the suite's name with no dots: a suite file
 * checks/holdout.suite.yaml is `mlo.validate.holdout`.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isMloError } from '../errors.js';
import { writeFileAtomic } from '../util/atomic.js';
import { isSuitePath } from './suites.js';
import type { ExpectationResult, ValidationResult } from './types.js';

/** Characters XML 1.0 cannot hold at all (lone surrogates included), as U+FFFD. */
function legal(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- these are exactly the characters to remove
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
}

/** Text safe inside an XML element. */
export function escapeXmlText(text: string): string {
  return legal(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text safe inside a double-quoted XML attribute; line breaks and tabs survive as references. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

const attr = (name: string, value: string | number): string =>
  `${name}="${escapeXmlAttribute(String(value))}"`;

/** What an expectation is about: its column(s), for the test case name. */
export function expectationTarget(r: ExpectationResult): string {
  const k = r.expectation_config.kwargs;
  if (typeof k.column === 'string') return k.column;
  if (typeof k.column_A === 'string' && typeof k.column_B === 'string')
    return `${k.column_A}, ${k.column_B}`;
  if (
    Array.isArray(k.column_list) &&
    r.expectation_config.expectation_type.startsWith('expect_compound')
  )
    return k.column_list.join(', ');
  if (typeof k.baseline === 'string') return k.baseline;
  return '';
}

function testName(r: ExpectationResult): string {
  const target = expectationTarget(r);
  return `${r.expectation_config.expectation_type}${target === '' ? '' : `(${target})`}`;
}

/** The failure body: the kwargs and the result, as readable JSON. */
function detailsOf(r: ExpectationResult): string {
  return JSON.stringify({ kwargs: r.expectation_config.kwargs, result: r.result }, null, 2);
}

/** `mlo.validate.<suite>`: a suite file's name without its folder, extension and dots. */
export function junitClassName(suite: string): string {
  let name = suite;
  if (isSuitePath(name)) {
    name = basename(name.replaceAll('\\', '/')).replace(/\.(ya?ml|json)$/i, '');
    name = name.replace(/\.suite$/i, '');
  }
  return `mlo.validate.${name.replaceAll('.', '_') || 'suite'}`;
}

const couldNotRun = (r: ExpectationResult): boolean => r.exception_info.raised_exception;

export function toJUnitXml(result: ValidationResult): string {
  const { statistics: s } = result;
  const failures = result.results.filter(
    (r) => !r.success && r.severity === 'error' && !couldNotRun(r),
  ).length;
  const errors = result.results.filter((r) => !r.success && couldNotRun(r)).length;
  const classname = junitClassName(result.suite.name);
  const seen = new Map<string, number>();
  const cases = result.results.map((r) => {
    const base = testName(r);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    const name = n === 1 ? base : `${base} #${n}`;
    const open = `    <testcase ${attr('name', name)} ${attr('classname', classname)} time="0"`;
    if (r.success) return `${open}/>`;
    const type = r.expectation_config.expectation_type;
    let body: string;
    if (couldNotRun(r)) {
      const why = r.severity === 'warn' ? `${r.summary} (severity warn)` : r.summary;
      body = `      <error ${attr('message', why)} ${attr('type', type)}>${escapeXmlText(why)}</error>`;
    } else if (r.severity === 'warn') {
      body = `      <system-out>${escapeXmlText(`warning (severity warn): ${r.summary}\n${detailsOf(r)}`)}</system-out>`;
    } else {
      body = `      <failure ${attr('message', r.summary)} ${attr('type', type)}>${escapeXmlText(detailsOf(r))}</failure>`;
    }
    return `${open}>\n${body}\n    </testcase>`;
  });
  const properties = [
    ['suite', result.suite.name],
    ['suite_file', result.suite.file],
    ['suite_hash', result.suite.hash],
    ['data', result.data.file],
    ['data_hash', result.data.hash],
    ['rows', String(result.data.rows)],
    ['success', String(result.success)],
    ['warnings', String(s.warnings)],
  ];
  return document({
    suiteName: `${result.suite.name} on ${result.data.file}`,
    tests: s.evaluated,
    failures,
    errors,
    elapsedMs: result.elapsed_ms,
    timestamp: result.validated_at,
    properties,
    cases,
  });
}

/** A validation that could not run: what the report says instead of its expectations. */
export interface JUnitRunError {
  /** the suite as the user named it */
  suite: string;
  /** the data file as the user named it */
  file: string;
  error: unknown;
  elapsed_ms: number;
}

/** One errored testcase saying why the suite could not be run over the file. */
export function toJUnitErrorXml(run: JUnitRunError): string {
  const message = run.error instanceof Error ? run.error.message : String(run.error);
  const hint = isMloError(run.error) ? run.error.hint : undefined;
  const type = isMloError(run.error) ? run.error.code : 'INTERNAL';
  const text = hint === undefined ? message : `${message}\nhint: ${hint}`;
  const cases = [
    [
      `    <testcase ${attr('name', `validate ${run.file}`)} ${attr('classname', junitClassName(run.suite))} time="0">`,
      `      <error ${attr('message', message)} ${attr('type', type)}>${escapeXmlText(text)}</error>`,
      '    </testcase>',
    ].join('\n'),
  ];
  return document({
    suiteName: `${run.suite} on ${run.file}`,
    tests: 1,
    failures: 0,
    errors: 1,
    elapsedMs: run.elapsed_ms,
    timestamp: new Date().toISOString(),
    properties: [
      ['suite', run.suite],
      ['data', run.file],
      ['success', 'false'],
    ],
    cases,
  });
}

function document(d: {
  suiteName: string;
  tests: number;
  failures: number;
  errors: number;
  elapsedMs: number;
  timestamp: string;
  properties: string[][];
  cases: string[];
}): string {
  const seconds = (d.elapsedMs / 1000).toFixed(3);
  const counts = `${attr('tests', d.tests)} ${attr('failures', d.failures)} ${attr('errors', d.errors)}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attr('name', 'mlo validate')} ${counts} ${attr('time', seconds)}>`,
    `  <testsuite ${attr('name', d.suiteName)} ${counts} skipped="0" ${attr('time', seconds)} ${attr('timestamp', d.timestamp.replace(/\.\d+Z$/, ''))}>`,
    '    <properties>',
    ...d.properties.map(([k, v]) => `      <property ${attr('name', k)} ${attr('value', v)}/>`),
    '    </properties>',
    ...d.cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Write the JUnit XML of a result to `path` (atomically: CI never reads half a file). */
export function writeJUnitXml(result: ValidationResult, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, toJUnitXml(result));
}

/** Write the JUnit XML of a run that could not happen to `path`. */
export function writeJUnitErrorXml(run: JUnitRunError, path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, toJUnitErrorXml(run));
}
