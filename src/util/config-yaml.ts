/**
 * Reading the YAML files every data command reads (pointer files, the repository
 * config) without loading the yaml package when they are plain, as mlo writes them
 * (plain-yaml.ts). Anything else, and any plain text the schema refuses, is read by
 * the yaml package, so errors keep their file:line:column.
 *
 * The package is loaded here with require() from node_modules, not imported: an
 * import would load it for every run. A process that also reads other YAML files then
 * holds two copies of the package; that happens only for a hand-written config.
 */
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type * as z from 'zod/mini';
import { parsePlainYaml } from './plain-yaml.js';
import { readYamlFileWith, yamlReaders } from './yaml-readers.js';

let readers: ReturnType<typeof yamlReaders> | undefined;
const full = (): ReturnType<typeof yamlReaders> =>
  (readers ??= yamlReaders(createRequire(import.meta.url)('yaml') as typeof Yaml));

/** parseYaml (yaml-file.ts), without the yaml package for plain text. */
export function parseConfigYaml<S extends z.ZodMiniType>(
  text: string,
  schema: S,
  displayPath: string,
): z.infer<S> {
  const plain = parsePlainYaml(text);
  if (plain !== undefined) {
    const checked = schema.safeParse(plain);
    if (checked.success) return checked.data;
  }
  return full().parseYaml(text, schema, displayPath);
}

/** readYamlFile (yaml-file.ts), without the yaml package for plain text. */
export function readConfigYamlFile<S extends z.ZodMiniType>(
  file: string,
  schema: S,
  displayPath = file,
): z.infer<S> {
  return readYamlFileWith(parseConfigYaml, file, schema, displayPath);
}
