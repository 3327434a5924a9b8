/**
 * The YAML readers over the bundled yaml package, for files that are rarely plain
 * (pipelines, params, suites). Pointer files and the repository config go through
 * config-yaml.ts, which skips the package for plain text.
 */
import * as yaml from 'yaml';
import { yamlReaders } from './yaml-readers.js';

export { MAX_YAML_ALIASES, configError, readTextFile, type ConfigProblem } from './yaml-readers.js';

export const { parseYaml, parseYamlValue, readYamlFile } = yamlReaders(yaml);
