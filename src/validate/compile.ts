/**
 * One expectation checked against its definition: known name, known kwargs of the
 * right types, required ones present, rules across kwargs. Used for suites read from
 * YAML (problems then get a file:line:col) and for suites built in code.
 */
import { MloError } from '../errors.js';
import { CATALOG, findExpectation, type ExpectationDef } from './catalog/index.js';
import { closestMatch } from './similar.js';
import type {
  ExpectationConfig,
  ExpectationResultFormat,
  ExpectationSeverity,
  ExpectationSuite,
} from './types.js';

/** A problem with one expectation; `path` is inside its kwargs ([] = the expectation itself). */
export interface ExpectationProblem {
  path: (string | number)[];
  message: string;
  hint?: string;
}

export interface CompiledExpectation {
  def: ExpectationDef;
  config: ExpectationConfig;
  /** the kwargs as the definition's schemas parsed them */
  kwargs: Record<string, unknown>;
  mostly: number;
  severity: ExpectationSeverity;
  format: ExpectationResultFormat;
  /** how many unexpected values a result lists */
  limit: number;
}

/** GX's default partial_unexpected_count */
export const DEFAULT_PARTIAL_COUNT = 20;
const MAX_PARTIAL_COUNT = 1000;

/** kwargs every expectation takes besides its own */
const COMMON_KWARGS = ['severity', 'meta', 'result_format', 'catch_exceptions', 'notes', 'id'];

const SEVERITIES: Record<string, ExpectationSeverity> = {
  error: 'error',
  warn: 'warn',
  // GX 1.x names
  critical: 'error',
  warning: 'warn',
  info: 'warn',
};

export function knownExpectationNames(): string[] {
  return [...CATALOG.keys()];
}

export function compileExpectation(
  type: string,
  raw: Record<string, unknown>,
  source?: string,
): { compiled?: CompiledExpectation; problems: ExpectationProblem[] } {
  const def = findExpectation(type);
  if (def === undefined) {
    const near = closestMatch(type, CATALOG.keys());
    return {
      problems: [
        {
          path: [],
          message: `unknown expectation "${type}"${near === undefined ? '' : ` (did you mean "${near}"?)`}`,
          hint: `known expectations: ${knownExpectationNames().join(', ')}`,
        },
      ],
    };
  }
  const problems: ExpectationProblem[] = [];
  let kwargsOk = true;
  const own = Object.keys(def.kwargs);
  const allowed = [...own, ...(def.map ? ['mostly'] : []), ...COMMON_KWARGS];
  const kwargs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!allowed.includes(key)) {
      const near = closestMatch(key, allowed);
      const why =
        key === 'mostly' ? ` (${def.name} is not a map expectation, so it has no mostly)` : '';
      problems.push({
        path: [key],
        message: `${def.name}: unknown kwarg "${key}"${why}${near === undefined || why !== '' ? '' : ` (did you mean "${near}"?)`}`,
        hint: `${def.name} takes: ${allowed.filter((a) => !['catch_exceptions', 'notes', 'id'].includes(a)).join(', ')}`,
      });
      continue;
    }
    if (!own.includes(key)) continue;
    const parsed = def.kwargs[key].safeParse(value);
    if (parsed.success) kwargs[key] = parsed.data;
    else {
      kwargsOk = false;
      for (const issue of parsed.error.issues) {
        const sub = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
        problems.push({
          path: [key, ...sub],
          message: `${def.name}: ${[key, ...sub].join('.')}: ${issue.message}`,
        });
      }
    }
  }
  for (const key of def.required) {
    if (!(key in raw)) {
      kwargsOk = false;
      problems.push({ path: [], message: `${def.name}: missing kwarg "${key}"` });
    }
  }
  const mostly = raw.mostly ?? 1;
  if (typeof mostly !== 'number' || !(mostly >= 0 && mostly <= 1))
    problems.push({
      path: ['mostly'],
      message: `${def.name}: mostly must be a number from 0 to 1, got ${JSON.stringify(mostly)}`,
    });
  const severityText = raw.severity ?? 'error';
  const severity = typeof severityText === 'string' ? SEVERITIES[severityText] : undefined;
  if (severity === undefined)
    problems.push({
      path: ['severity'],
      message: `${def.name}: severity must be error or warn, got ${JSON.stringify(severityText)}`,
    });
  const meta = raw.meta;
  if (meta !== undefined && (typeof meta !== 'object' || meta === null || Array.isArray(meta)))
    problems.push({ path: ['meta'], message: `${def.name}: meta must be a mapping` });
  const format = readResultFormat(raw.result_format, def.name, problems);
  // rules across kwargs need each of them well-formed
  if (kwargsOk && def.check !== undefined) {
    for (const [key, message] of def.check(kwargs))
      problems.push({ path: [key], message: `${def.name}: ${message}` });
  }
  if (problems.length > 0) return { problems };
  const written = Object.fromEntries(
    Object.entries(raw).filter(([key]) => key !== 'severity' && key !== 'meta'),
  );
  return {
    problems,
    compiled: {
      def,
      kwargs,
      mostly: mostly as number,
      severity: severity as ExpectationSeverity,
      format: format.format,
      limit: format.limit,
      config: {
        expectation_type: def.name,
        kwargs: written,
        severity: severity as ExpectationSeverity,
        ...(meta !== undefined && { meta: meta as Record<string, unknown> }),
        ...(source !== undefined && { source }),
      },
    },
  };
}

function readResultFormat(
  value: unknown,
  name: string,
  problems: ExpectationProblem[],
): { format: ExpectationResultFormat; limit: number } {
  const fallback = { format: 'SUMMARY' as ExpectationResultFormat, limit: DEFAULT_PARTIAL_COUNT };
  if (value === undefined) return fallback;
  const obj =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  const format = obj !== undefined ? obj.result_format : value;
  const allowed = ['BOOLEAN_ONLY', 'BASIC', 'SUMMARY'];
  if (typeof format !== 'string' || !allowed.includes(format)) {
    problems.push({
      path: ['result_format'],
      message:
        format === 'COMPLETE'
          ? `${name}: result_format COMPLETE is not supported (it lists every unexpected value); use SUMMARY with partial_unexpected_count`
          : `${name}: result_format must be ${allowed.join(', ')} or {result_format, partial_unexpected_count}`,
    });
    return fallback;
  }
  let limit = DEFAULT_PARTIAL_COUNT;
  if (obj !== undefined && obj.partial_unexpected_count !== undefined) {
    const n = obj.partial_unexpected_count;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_PARTIAL_COUNT) {
      problems.push({
        path: ['result_format', 'partial_unexpected_count'],
        message: `${name}: partial_unexpected_count must be an integer from 0 to ${MAX_PARTIAL_COUNT}`,
      });
    } else limit = n;
  }
  return { format: format as ExpectationResultFormat, limit };
}

/** Compile a whole suite (one built in code, or read back): INVALID naming the first problem. */
export function compileSuite(suite: ExpectationSuite): CompiledExpectation[] {
  const out: CompiledExpectation[] = [];
  const problems: string[] = [];
  let hint: string | undefined;
  suite.expectations.forEach((e, i) => {
    const raw = {
      ...e.kwargs,
      severity: e.severity,
      ...(e.meta !== undefined && { meta: e.meta }),
    };
    const r = compileExpectation(e.expectation_type, raw, e.source);
    if (r.compiled !== undefined) out.push(r.compiled);
    for (const p of r.problems) {
      problems.push(`${e.source ?? `${suite.file}: expectation ${i + 1}`}: ${p.message}`);
      hint ??= p.hint;
    }
  });
  if (problems.length > 0) {
    throw new MloError('INVALID', problems[0], {
      hint: [...problems.slice(1), ...(hint === undefined ? [] : [hint])].join('\n') || undefined,
    });
  }
  return out;
}
