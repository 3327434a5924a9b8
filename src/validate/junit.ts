/**
 * JUnit XML for CI: one testcase per expectation, so a failed data check shows up
 * where failed tests do. Error-severity failures are <failure>s, expectations that
 * could not be evaluated are <error>s, and warn-severity failures pass with the
 * warning in <system-out> (the run's exit code does not fail on them either).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
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

export function toJUnitXml(result: ValidationResult): string {
  const { statistics: s } = result;
  const failures = result.results.filter(
    (r) => !r.success && r.severity === 'error' && !r.exception_info.raised_exception,
  ).length;
  const errors = result.results.filter(
    (r) => !r.success && r.severity === 'error' && r.exception_info.raised_exception,
  ).length;
  const seconds = (result.elapsed_ms / 1000).toFixed(3);
  const suiteName = `${result.suite.name} on ${result.data.file}`;
  const classname = `mlo.validate.${result.suite.name}`;
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
    if (r.severity === 'warn') {
      body = `      <system-out>${escapeXmlText(`warning (severity warn): ${r.summary}\n${detailsOf(r)}`)}</system-out>`;
    } else if (r.exception_info.raised_exception) {
      body = `      <error ${attr('message', r.summary)} ${attr('type', type)}>${escapeXmlText(r.summary)}</error>`;
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
  ].map(([k, v]) => `      <property ${attr('name', k)} ${attr('value', v)}/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attr('name', 'mlo validate')} ${attr('tests', s.evaluated)} ${attr('failures', failures)} ${attr('errors', errors)} ${attr('time', seconds)}>`,
    `  <testsuite ${attr('name', suiteName)} ${attr('tests', s.evaluated)} ${attr('failures', failures)} ${attr('errors', errors)} skipped="0" ${attr('time', seconds)} ${attr('timestamp', result.validated_at.replace(/\.\d+Z$/, ''))}>`,
    '    <properties>',
    ...properties,
    '    </properties>',
    ...cases,
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
