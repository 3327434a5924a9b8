/**
 * Project templates: `mlo init --template classification|regression` writes a
 * working skeleton (mlo.yaml, params.yaml, Node stage scripts, suites, the CI
 * workflow, a README section) from the templates/ folder mlo ships.
 */
export {
  applyTemplate,
  initWithTemplate,
  availableTemplates,
  formatCommands,
  type TemplateOptions,
  type TemplateResult,
  type TemplateFile,
  type TemplateFileAction,
  type InitTemplateResult,
} from './scaffold.js';
export type { TemplateInfo, TemplateCommand } from './manifest.js';
