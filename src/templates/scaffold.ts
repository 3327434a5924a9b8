/**
 * `mlo init --template NAME`: write a project skeleton from templates/ — the shared
 * files (templates/common), the template's own files, the CI workflow with the
 * template's names filled in, and a README section. Everything is planned before
 * anything is written, so a conflict leaves the directory as it was.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { MloError } from '../errors.js';
import { DOT_DIR, findRepoRoot, initRepo, type InitResult } from '../repo/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { templatesRoot } from './locate.js';
import {
  listTemplates,
  MANIFEST_FILE,
  README_SECTION_FILE,
  type TemplateCommand,
  type TemplateInfo,
} from './manifest.js';

export interface TemplateOptions {
  /** a folder name under templates/: classification, regression */
  template: string;
  /** overwrite files that exist (default: refuse, listing them) */
  force?: boolean;
  /** the templates folder (default: the one shipped with mlo) */
  templatesDir?: string;
}

/** created: new file; overwritten: replaced (--force); appended / replaced: README.md's section */
export type TemplateFileAction = 'created' | 'overwritten' | 'appended' | 'replaced';

export interface TemplateFile {
  /** relative to the project root, with / separators */
  path: string;
  action: TemplateFileAction;
}

export interface TemplateResult {
  template: string;
  description: string;
  root: string;
  files: TemplateFile[];
  /** what to run next, in order */
  commands: TemplateCommand[];
}

export interface InitTemplateResult extends InitResult {
  template: TemplateResult;
}

interface PlannedFile extends TemplateFile {
  content: string;
  /** writing it changes something that exists */
  conflict: boolean;
}

const WORKFLOW_SOURCE = 'github-actions.yml';
const WORKFLOW_TARGET = '.github/workflows/mlo.yml';
const README = 'README.md';
const SECTION_START =
  '<!-- mlo:template start (mlo init --template --force rewrites this section) -->';
const SECTION_END = '<!-- mlo:template end -->';

/** The templates mlo ships (or those in `templatesDir`). */
export function availableTemplates(templatesDir?: string): TemplateInfo[] {
  return listTemplates(templatesDir ?? templatesRoot());
}

/** Write a template into the mlo repository at (or above) `dir`. */
export function applyTemplate(dir: string, options: TemplateOptions): TemplateResult {
  const root = findRepoRoot(resolve(dir)) ?? resolve(dir);
  const plan = planTemplate(root, options);
  return writePlan(root, plan);
}

/** `mlo init` and then the template, in a new or an existing repository. */
export function initWithTemplate(dir: string, options: TemplateOptions): InitTemplateResult {
  const abs = resolve(dir);
  // the root initRepo will use: an enclosing repo if it exists, else dir
  const existing = findRepoRoot(abs);
  const root =
    existing !== undefined && existsSync(join(existing, DOT_DIR, 'config.yaml')) ? existing : abs;
  const plan = planTemplate(root, options); // refuses before .mlo/ is created
  const init = initRepo(abs);
  return { ...init, template: writePlan(root, plan) };
}

interface Plan {
  info: TemplateInfo;
  files: PlannedFile[];
}

function planTemplate(root: string, options: TemplateOptions): Plan {
  const templatesDir = options.templatesDir ?? templatesRoot();
  const info = findTemplate(templatesDir, options.template);
  const sources = new Map<string, string>(); // project path → source file
  for (const [rel, abs] of walk(join(templatesDir, 'common'))) sources.set(rel, abs);
  for (const [rel, abs] of walk(info.dir)) {
    if (rel !== MANIFEST_FILE && rel !== README_SECTION_FILE) sources.set(rel, abs);
  }
  const contents = new Map<string, string>();
  for (const [rel, abs] of sources) contents.set(rel, readFileSync(abs, 'utf8'));
  contents.set(WORKFLOW_TARGET, fillWorkflow(templatesDir, info));

  const files: PlannedFile[] = [...contents]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, content]) => {
      const exists = existsSync(join(root, path));
      return { path, content, action: exists ? 'overwritten' : 'created', conflict: exists };
    });
  files.push(planReadme(root, info));

  const conflicts = files.filter((f) => f.conflict);
  if (conflicts.length > 0 && !options.force) {
    const names = conflicts.map((f) =>
      f.path === README ? `${README} (its mlo section)` : f.path,
    );
    throw new MloError(
      'CONFLICT',
      `the ${info.name} template would overwrite ${conflicts.length} existing file(s): ${names.join(', ')}`,
      {
        hint: 'nothing was written; move them away, or pass --force to overwrite them',
        details: { conflicts: conflicts.map((f) => f.path) },
      },
    );
  }
  return { info, files };
}

function writePlan(root: string, plan: Plan): TemplateResult {
  for (const f of plan.files) {
    const target = join(root, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileAtomic(target, f.content);
  }
  return {
    template: plan.info.name,
    description: plan.info.description,
    root,
    files: plan.files.map(({ path, action }) => ({ path, action })),
    commands: plan.info.commands,
  };
}

function findTemplate(templatesDir: string, name: string): TemplateInfo {
  const all = listTemplates(templatesDir);
  const found = all.find((t) => t.name === name);
  if (found) return found;
  const choices = all.map((t) => t.name).join(', ');
  throw new MloError(
    'USAGE',
    `--template: unknown template "${name}" (choose one of: ${choices})`,
    {
      hint: all.map((t) => `${t.name}: ${t.description}`).join('\n'),
    },
  );
}

/** Files under `dir` as [relative path with /, absolute path]. */
function walk(dir: string): [string, string][] {
  const out: [string, string][] = [];
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = join(e.parentPath, e.name);
    out.push([relative(dir, abs).split(sep).join('/'), abs]);
  }
  return out;
}

/** The generic workflow with the template's `KEY: value` env lines filled in. */
function fillWorkflow(templatesDir: string, info: TemplateInfo): string {
  const source = join(templatesDir, WORKFLOW_SOURCE);
  let text = readFileSync(source, 'utf8');
  for (const [key, value] of Object.entries(info.workflow)) {
    const line = new RegExp(`^(\\s+${key}: )[^\\s#]+`, 'm');
    if (!line.test(text)) {
      throw new MloError('INTERNAL', `${source}: no "${key}:" line for the ${info.name} template`);
    }
    text = text.replace(line, (_, head: string) => head + value);
  }
  return text;
}

/** The commands as a shell block, each with its reason as a comment above it. */
export function formatCommands(commands: readonly TemplateCommand[]): string {
  const lines = commands.flatMap((c) => [`# ${c.why}`, c.run]);
  return ['```bash', ...lines, '```'].join('\n');
}

function planReadme(root: string, info: TemplateInfo): PlannedFile {
  const body = readFileSync(join(info.dir, README_SECTION_FILE), 'utf8')
    .replace('{{commands}}', formatCommands(info.commands))
    .trimEnd();
  const section = `${SECTION_START}\n\n${body}\n\n${SECTION_END}\n`;
  const path = join(root, README);
  if (!existsSync(path)) {
    return { path: README, content: section, action: 'created', conflict: false };
  }
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf(SECTION_START);
  const end = text.indexOf(SECTION_END, start);
  if (start >= 0 && end >= 0) {
    const after = text.slice(end + SECTION_END.length).replace(/^\n/, '');
    return {
      path: README,
      content: text.slice(0, start) + section + after,
      action: 'replaced',
      conflict: true,
    };
  }
  const gap = text.length === 0 ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  return { path: README, content: text + gap + section, action: 'appended', conflict: false };
}
