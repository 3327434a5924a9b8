/**
 * A JSON Schema of suite files (the list form), built from the expectation catalog's
 * kwarg schemas, so editors complete expectation names and kwargs and flag typos.
 */
import * as z from 'zod/mini';
import '../util/schema.js';
import { CATALOG } from './catalog/index.js';

const common = {
  severity: z.optional(z.enum(['error', 'warn', 'critical', 'warning', 'info'])),
  meta: z.optional(z.record(z.string(), z.unknown())),
  result_format: z.optional(
    z.union([
      z.enum(['BOOLEAN_ONLY', 'BASIC', 'SUMMARY']),
      z.strictObject({
        result_format: z.enum(['BOOLEAN_ONLY', 'BASIC', 'SUMMARY']),
        partial_unexpected_count: z.optional(z.int().check(z.gte(0))),
      }),
    ]),
  ),
};

export function suiteJsonSchema(): Record<string, unknown> {
  const items = [...CATALOG.values()].map((def) => {
    const kwargs = z.strictObject({
      ...Object.fromEntries(
        Object.entries(def.kwargs).map(([k, s]) => [
          k,
          def.required.includes(k) ? s : z.optional(s),
        ]),
      ),
      ...(def.map && { mostly: z.optional(z.number().check(z.gte(0), z.lte(1))) }),
      ...common,
    });
    const { $schema: _nested, ...schema } = z.toJSONSchema(kwargs, {
      unrepresentable: 'any',
      io: 'input',
    });
    return {
      type: 'object',
      description: def.description,
      properties: { [def.name]: schema },
      required: [def.name],
      additionalProperties: false,
    };
  });
  return {
    title: 'validation suite: a list of Great Expectations expectations (mlo validate)',
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'array',
    items: { oneOf: items },
  };
}
