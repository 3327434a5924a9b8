/**
 * Loading mlo.yaml: schema check (file:line:col), then foreach/matrix expansion and
 * ${...} interpolation, then per-stage rules. The result is a flat list of concrete
 * stages in file order.
 *
 * Interpolation looks names up in: the foreach/matrix `item` and `key`, the file's
 * `vars:`, then params.yaml (as DVC does). `\${` is a literal `${`. In a command a
 * value is data, quoted for the shell where it stands (shell-quote.ts).
 */
import { join, posix } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { parseYaml, readTextFile } from '../util/yaml-file.js';
import { YamlPositions, type YamlPath } from './positions.js';
import { readParamsValues, DEFAULT_PARAMS_FILE } from './params.js';
import { pipelineFileSchema, type StageBody, type StageDecl } from './schema.js';
import { CommandValueError, RAW_PREFIX, renderCommand } from './shell-quote.js';
import { maxExpansions, productUpTo, raiseHint } from './limits.js';

export const PIPELINE_FILE = 'mlo.yaml';

export interface OutDecl {
  path: string;
  /** kept in the cache (default); false: only hashed, never restored */
  cache: boolean;
  /** not deleted before the stage runs */
  persist: boolean;
  /** listed in .gitignore: cached outs; metric files stay for git to track */
  gitignore: boolean;
}

export interface ParamDecl {
  /** repo-relative params file */
  file: string;
  /** dotted keys; empty: every key of the file */
  keys: string[];
}

export interface Stage {
  name: string;
  /** the foreach/matrix stage this one was generated from */
  group?: string;
  desc?: string;
  /** shell command lines, run in order from the repo root */
  cmd: string[];
  deps: string[];
  outs: OutDecl[];
  metrics: OutDecl[];
  params: ParamDecl[];
  env: Record<string, string>;
  alwaysChanged: boolean;
  /** the YAML path of the stage body, for error positions */
  yamlPath: YamlPath;
}

export interface Pipeline {
  /** absolute path of mlo.yaml */
  file: string;
  stages: Stage[];
  byName: Map<string, Stage>;
  positions: YamlPositions;
}

/** Stage names: what a shell, a table and a Mermaid label can all carry. */
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function loadPipeline(repo: Repo, options: { required?: boolean } = {}): Pipeline {
  const file = join(repo.root, PIPELINE_FILE);
  const text = readTextFile(file, PIPELINE_FILE);
  if (text === undefined) {
    if (options.required === false) {
      return {
        file,
        stages: [],
        byName: new Map(),
        positions: new YamlPositions('', PIPELINE_FILE),
      };
    }
    throw new MloError('NOT_FOUND', `${PIPELINE_FILE}: no such file in ${repo.root}`, {
      hint: 'declare stages in mlo.yaml: stages: {train: {cmd: ..., deps: [...], outs: [...]}}',
    });
  }
  const doc = parseYaml(text, pipelineFileSchema, PIPELINE_FILE);
  const positions = new YamlPositions(text, PIPELINE_FILE);
  const ctx = new Interpolator(repo, positions, doc.vars ?? {});
  const stages: Stage[] = [];
  const byName = new Map<string, Stage>();
  const add = (stage: Stage): void => {
    const prior = byName.get(stage.name);
    if (prior) {
      throw positions.error(
        stage.yamlPath,
        `stage name ${stage.name} is generated twice (also by ${prior.group ?? prior.name})`,
      );
    }
    byName.set(stage.name, stage);
    stages.push(stage);
  };
  const limit = maxExpansions();
  let total = 0;
  for (const [name, decl] of Object.entries(doc.stages ?? {})) {
    const path: YamlPath = ['stages', name];
    if (!NAME_RE.test(name)) {
      throw positions.error(
        path,
        `stage name "${name}" may hold only letters, digits, "_", "-" and "."`,
      );
    }
    // counted before anything is built: a million combinations are refused, not made
    const count = expansionCount(decl, limit);
    total += count;
    if (count > limit || total > limit) {
      const how = decl.matrix !== undefined ? 'matrix' : 'foreach';
      const located = positions.error(
        [...path, how],
        count > limit
          ? `stage ${name}: ${how} expands to ${count} stages, more than the limit of ${limit}`
          : `stage ${name}: mlo.yaml expands to more than ${limit} stages in all`,
      );
      throw new MloError('INVALID', located.message, { hint: raiseHint, details: located.details });
    }
    for (const s of expandStage(name, decl, path, ctx)) add(s);
  }
  return { file, stages, byName, positions };
}

type Scope = Record<string, unknown>;

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** How many concrete stages a declaration makes. */
function expansionCount(decl: StageDecl, limit: number): number {
  if (decl.foreach !== undefined) {
    return Array.isArray(decl.foreach) ? decl.foreach.length : Object.keys(decl.foreach).length;
  }
  if (decl.matrix !== undefined) {
    return productUpTo(
      Object.values(decl.matrix).map((v) => v.length),
      limit,
    );
  }
  return 1;
}

function expandStage(name: string, decl: StageDecl, path: YamlPath, ctx: Interpolator): Stage[] {
  if (decl.foreach !== undefined) {
    const body = decl.do as StageBody;
    const bodyPath = [...path, 'do'];
    const items: [string, unknown, Scope][] = Array.isArray(decl.foreach)
      ? decl.foreach.map((item, i) => [
          isScalar(item) ? String(item) : String(i),
          item,
          { item, key: i },
        ])
      : Object.entries(decl.foreach).map(([k, item]) => [k, item, { item, key: k }]);
    return items.map(([suffix, , scope]) =>
      buildStage(`${name}@${suffix}`, name, body, bodyPath, ctx, scope),
    );
  }
  if (decl.matrix !== undefined) {
    const axes = Object.entries(decl.matrix);
    let combos: [string[], Scope][] = [[[], {}]];
    for (const [axis, values] of axes) {
      const next: [string[], Scope][] = [];
      for (const [parts, item] of combos) {
        values.forEach((v, i) =>
          next.push([[...parts, isScalar(v) ? String(v) : `${axis}${i}`], { ...item, [axis]: v }]),
        );
      }
      combos = next;
    }
    const { matrix: _m, foreach: _f, do: _d, ...body } = decl;
    return combos.map(([parts, item]) =>
      buildStage(`${name}@${parts.join('-')}`, name, body as StageBody, path, ctx, {
        item,
        key: parts.join('-'),
      }),
    );
  }
  const { matrix: _m, foreach: _f, do: _d, ...body } = decl;
  return [buildStage(name, undefined, body as StageBody, path, ctx, {})];
}

function buildStage(
  name: string,
  group: string | undefined,
  body: StageBody,
  path: YamlPath,
  ctx: Interpolator,
  scope: Scope,
): Stage {
  const str = (v: string, p: YamlPath): string => ctx.interpolate(v, p, scope);
  const cleanPath = (v: string, p: YamlPath): string => normalizePath(str(v, p), p, ctx.positions);
  const cmds = typeof body.cmd === 'string' ? [body.cmd] : body.cmd;
  const cmd = cmds.map((c, i) =>
    ctx.command(c, typeof body.cmd === 'string' ? [...path, 'cmd'] : [...path, 'cmd', i], scope),
  );
  const deps = (body.deps ?? []).map((d, i) => cleanPath(d, [...path, 'deps', i]));
  const outDecls = (field: 'outs' | 'metrics'): OutDecl[] =>
    (body[field] ?? []).map((o, i) => {
      const p: YamlPath = [...path, field, i];
      const isOut = field === 'outs';
      if (typeof o === 'string')
        return { path: cleanPath(o, p), cache: true, persist: false, gitignore: isOut };
      const entries = Object.entries(o);
      if (entries.length !== 1)
        throw ctx.positions.error(p, 'write one "path: {options}" per list item');
      const [key, opts] = entries[0];
      const cache = opts.cache ?? true;
      return {
        path: cleanPath(key, p),
        cache,
        persist: opts.persist ?? false,
        gitignore: isOut && cache,
      };
    });
  const outs = outDecls('outs');
  const metrics = outDecls('metrics');
  const params: ParamDecl[] = [];
  const defaultKeys: string[] = [];
  (body.params ?? []).forEach((item, i) => {
    const p: YamlPath = [...path, 'params', i];
    if (typeof item === 'string') defaultKeys.push(str(item, p));
    else {
      for (const [file, keys] of Object.entries(item)) {
        params.push({ file: cleanPath(file, p), keys: keys.map((k) => str(k, p)) });
      }
    }
  });
  if (defaultKeys.length) params.unshift({ file: DEFAULT_PARAMS_FILE, keys: defaultKeys });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(body.env ?? {})) {
    env[k] = typeof v === 'string' ? str(v, [...path, 'env', k]) : String(v);
  }
  const seen = new Map<string, string>();
  for (const [field, list] of [
    ['outs', outs],
    ['metrics', metrics],
  ] as const) {
    list.forEach((o, i) => {
      const prior = seen.get(o.path);
      if (prior)
        throw ctx.positions.error(
          [...path, field, i],
          `${o.path} is listed twice (also in ${prior})`,
        );
      seen.set(o.path, field);
    });
  }
  return {
    name,
    ...(group !== undefined && { group }),
    ...(body.desc !== undefined && { desc: str(body.desc, [...path, 'desc']) }),
    cmd,
    deps,
    outs,
    metrics,
    params,
    env,
    alwaysChanged: body.always_changed ?? false,
    yamlPath: path,
  };
}

/** Repo-relative, forward slashes, no `..`, not inside .mlo/ or .git/. */
function normalizePath(raw: string, p: YamlPath, positions: YamlPositions): string {
  const s = raw.replace(/\\/g, '/');
  if (s.startsWith('/') || /^[A-Za-z]:/.test(s)) {
    throw positions.error(p, `${raw}: must be relative to the repository root`);
  }
  const norm = posix.normalize(s).replace(/\/+$/, '');
  if (norm === '..' || norm.startsWith('../'))
    throw positions.error(p, `${raw}: is outside the repository`);
  if (norm === '.' || norm === '') throw positions.error(p, `${raw}: is the repository root`);
  const first = norm.split('/')[0];
  if (first === '.mlo' || first === '.git') throw positions.error(p, `${raw}: is inside ${first}/`);
  return norm;
}

const TOKEN = /\\\$\{|\$\{\s*([^}]*?)\s*\}/g;

class Interpolator {
  private params: Record<string, unknown> | undefined;

  constructor(
    private readonly repo: Repo,
    readonly positions: YamlPositions,
    private readonly vars: Record<string, unknown>,
  ) {}

  private paramsValues(): Record<string, unknown> {
    this.params ??= readParamsValues(this.repo, DEFAULT_PARAMS_FILE, { optional: true });
    return this.params;
  }

  private lookup(name: string, scope: Scope, p: YamlPath): unknown {
    const parts = name.split('.');
    const roots: Record<string, unknown>[] = [scope, this.vars];
    if (!(parts[0] in scope) && !(parts[0] in this.vars)) roots.push(this.paramsValues());
    for (const root of roots) {
      if (!(parts[0] in root)) continue;
      let v: unknown = root;
      for (const part of parts) {
        if (v !== null && typeof v === 'object' && part in (v as Record<string, unknown>)) {
          v = (v as Record<string, unknown>)[part];
        } else {
          throw this.positions.error(p, `\${${name}}: ${part} is not defined`);
        }
      }
      return v;
    }
    const known = [...Object.keys(scope), ...Object.keys(this.vars)];
    throw this.positions.error(
      p,
      `\${${name}} is not defined${known.length ? ` (known here: ${known.join(', ')}, and params.yaml keys)` : ' (not in vars: or params.yaml)'}`,
    );
  }

  /** The text of a value, for putting into a string. */
  private text(name: string, scope: Scope, p: YamlPath): string {
    if (!name) throw this.positions.error(p, 'empty ${}');
    const v = this.lookup(name, scope, p);
    if (isScalar(v)) return String(v);
    if (v === null) return 'null';
    throw this.positions.error(
      p,
      `\${${name}} is a ${Array.isArray(v) ? 'list' : 'map'}; only numbers, strings and booleans can be put into text`,
    );
  }

  interpolate(text: string, p: YamlPath, scope: Scope): string {
    if (!text.includes('${')) return text;
    return text.replace(TOKEN, (match, name: string | undefined) => {
      if (match === '\\${') return '${';
      const bare = name?.startsWith(RAW_PREFIX) ? name.slice(RAW_PREFIX.length).trim() : name;
      return this.text(bare ?? '', scope, p);
    });
  }

  /** A shell command: each value goes in as literal text (see shell-quote.ts). */
  command(text: string, p: YamlPath, scope: Scope): string {
    try {
      return renderCommand(text, (name) => this.text(name, scope, p));
    } catch (err) {
      if (!(err instanceof CommandValueError)) throw err;
      const located = this.positions.error(p, err.message);
      throw new MloError('INVALID', located.message, { hint: err.hint, details: located.details });
    }
  }
}
