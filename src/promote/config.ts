/**
 * The `promotion:` section of mlo.yaml: per target alias, the evaluation data and the
 * gates a candidate must pass. The rest of mlo.yaml (stages, validation, drift, serve)
 * belongs to other capabilities and is left alone here. Every problem — schema or gate
 * syntax — is reported as mlo.yaml:line:col.
 */
import { join } from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument, Scalar } from 'yaml';
import * as z from 'zod/mini';
import '../util/schema.js';
import { MloError } from '../errors.js';
import { parseGate, type Gate, type GateErrorDetails } from '../registry/gates/index.js';
import { ALIAS_RE } from '../registry/index.js';
import type { Repo } from '../repo/index.js';
import { type ConfigProblem, configError, parseYaml, readTextFile } from '../util/yaml-file.js';

/** where the promotion policies live (the pipeline reads the same file) */
export const CONFIG_FILE = 'mlo.yaml';

const gateInputSchema = z.union([z.string(), z.record(z.string(), z.unknown())]);

const aliasSchema = z.strictObject({
  /** evaluation data, relative to the repository root */
  data: z.optional(z.string().check(z.minLength(1))),
  /** its target column */
  target: z.optional(z.string().check(z.minLength(1))),
  /** feature columns, when the model's registered names do not apply */
  features: z.optional(z.array(z.string().check(z.minLength(1)))),
  gates: z.array(gateInputSchema).check(z.minLength(1)),
});

/** Alias names are checked after the schema, so their error can point at the key. */
export const promotionSchema = z.record(z.string(), aliasSchema);

/** mlo.yaml as far as promotion reads it: other top-level keys are not ours to judge. */
const fileSchema = z.looseObject({ promotion: z.optional(z.nullable(promotionSchema)) });

export interface AliasPolicy {
  alias: string;
  data?: string;
  target?: string;
  features?: string[];
  gates: Gate[];
}

export interface PromotionConfig {
  /** mlo.yaml's absolute path */
  file: string;
  aliases: Record<string, AliasPolicy>;
}

/** The promotion policies of the repository; empty when mlo.yaml or its section is absent. */
export function loadPromotionConfig(repo: Repo): PromotionConfig {
  const file = join(repo.root, CONFIG_FILE);
  const text = readTextFile(file, CONFIG_FILE);
  if (text === undefined) return { file, aliases: {} };
  return parsePromotionConfig(text, file, CONFIG_FILE);
}

export function parsePromotionConfig(text: string, file: string, shown: string): PromotionConfig {
  const parsed = parseYaml(text, fileSchema, shown);
  const section = parsed.promotion ?? {};
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const problems: ConfigProblem[] = [];
  const aliases: Record<string, AliasPolicy> = {};
  for (const [alias, raw] of Object.entries(section)) {
    if (!ALIAS_RE.test(alias)) {
      const at = lines.linePos(keyOffset(doc, alias) ?? 0);
      problems.push({
        line: at.line,
        col: at.col,
        path: `promotion.${alias}`,
        message: `"${alias}" is not an alias name: letters, digits, _ and -, starting with a letter`,
      });
      continue;
    }
    const gates: Gate[] = [];
    raw.gates.forEach((input, i) => {
      try {
        gates.push(parseGate(input));
      } catch (err) {
        if (!(err instanceof MloError)) throw err;
        const path = ['promotion', alias, 'gates', i];
        const pos = gatePosition(doc, path, err.details);
        const at = pos === undefined ? { line: 1, col: 1 } : lines.linePos(pos);
        problems.push({
          line: at.line,
          col: at.col,
          path: `promotion.${alias}.gates[${i}]`,
          message: err.message + (err.hint && !err.hint.includes('\n') ? ` (${err.hint})` : ''),
        });
      }
    });
    aliases[alias] = { alias, data: raw.data, target: raw.target, features: raw.features, gates };
  }
  if (problems.length > 0) throw configError(shown, problems);
  return { file, aliases };
}

function keyOffset(doc: ReturnType<typeof parseDocument>, alias: string): number | undefined {
  const section: unknown = doc.get('promotion', true);
  if (!isMap(section)) return undefined;
  const pair = section.items.find((p) => isScalar(p.key) && p.key.value === alias);
  return pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
}

/** Offset in the file of the spot a gate error points at (inside a quoted scalar: past the quote). */
function gatePosition(
  doc: ReturnType<typeof parseDocument>,
  path: (string | number)[],
  details: Partial<GateErrorDetails> | undefined,
): number | undefined {
  const node: unknown = doc.getIn(path, true);
  if (!isScalar(node) || !node.range) return isNode(node) ? node.range?.[0] : undefined;
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  const block = node.type === Scalar.BLOCK_FOLDED || node.type === Scalar.BLOCK_LITERAL;
  if (block) return node.range[0];
  return node.range[0] + (quoted ? 1 : 0) + (details?.offset ?? 0);
}
