/**
 * JSON Schemas of mlo's file formats, generated from the zod schemas that validate
 * them, for editors (YAML language servers) and for other tools.
 * scripts/gen-docs.mjs writes them to schemas/; a test keeps them in sync.
 */
import * as z from 'zod/mini';
import './util/schema.js';
import { repoConfigSchema } from './repo/index.js';
import { pointerSchema } from './data/pointer.js';
import { suiteJsonSchema } from './validate/json-schema.js';
import { featuresSchema } from './features/schema.js';

export function jsonSchemas(): Record<string, unknown> {
  const entries: [string, z.ZodMiniType, string][] = [
    ['config', repoConfigSchema, '.mlo/config.yaml: repository settings'],
    ['pointer', pointerSchema, '<path>.mlo: pointer file of a tracked file or directory'],
    ['features', featuresSchema, 'mlo.yaml features: section: feature store definitions'],
  ];
  return {
    ...Object.fromEntries(
      entries.map(([name, schema, title]) => [
        name,
        { title, ...z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) },
      ]),
    ),
    suite: suiteJsonSchema(),
  };
}
