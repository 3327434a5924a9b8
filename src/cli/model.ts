/** `mlo model register|list|show|alias set|alias rm|export`: the model registry. */
import type { Command } from 'commander';
import { MloError } from '../errors.js';
import type {
  AliasChange,
  AliasEvent,
  IoInfo,
  ModelDetail,
  ModelSummary,
  ModelVersion,
} from '../index.js';
import { formatBytes } from '../util/fs.js';
import { action, collect, cwdOf, lib, parsePositiveInt } from './common.js';
import { color } from './render/color.js';
import { print, printJson, warn } from './render/output.js';
import { renderTable } from './render/table.js';

interface RegisterFlags {
  local?: boolean;
  run?: string;
  description?: string;
  metric?: string[];
  tag?: string[];
  features?: string;
  baselineData?: string;
  target?: string;
  json?: boolean;
}

interface LocalJson {
  local?: boolean;
  json?: boolean;
}

export function registerModelCommands(program: Command): void {
  const model = program
    .command('model')
    .description('the model registry: versions, signatures, lineage, aliases');

  model
    .command('register')
    .description(
      'store an ONNX model as the next version of NAME (an MLflow model directory or a pickle is kept as a non-servable artifact)',
    )
    .argument('<name>', 'model name (letters, digits, . _ -)')
    .argument('<path>', 'the .onnx file (or an MLmodel directory, a .pkl)')
    .option(
      '--run <id>',
      "the tracking run that produced it (lineage; its params and metrics are copied); default: the run whose output or artifact has the file's hash",
    )
    .option('--description <text>', 'a description of the version')
    .option('--metric <key=value>', 'a metric to record (repeatable)', collect, [])
    .option('--tag <key=value>', 'a tag to record (repeatable)', collect, [])
    .option('--features <a,b,c>', "the model's input features by name, in input order")
    .option(
      '--baseline-data <file>',
      'reference data: its columns minus --target name the features',
    )
    .option('--target <column>', 'the target column of --baseline-data')
    .option('--local', "act on this clone's own registry, not the server's (registry: in mlo.yaml)")
    .option('--json', 'print the registered version as JSON')
    .action(
      action(async (name: string, path: string, opts: RegisterFlags, cmd: Command) => {
        const { openRepo, openRegistry, splitFeatureList } = await lib();
        const cwd = cwdOf(cmd);
        const repo = openRepo(cwd);
        try {
          const registry = await openRegistry(repo, { local: opts.local });
          const r = await registry.register({
            name,
            path,
            cwd,
            runId: opts.run,
            description: opts.description,
            metrics: parseMetrics(opts.metric ?? []),
            tags: parseTags(opts.tag ?? []),
            features: opts.features === undefined ? undefined : splitFeatureList(opts.features),
            baselineData: opts.baselineData,
            target: opts.target,
          });
          for (const w of r.warnings) warn(w.hint ? `${w.message}\n  hint: ${w.hint}` : w.message);
          if (opts.json)
            return printJson({
              created: r.created,
              ...r.model,
              baseline: r.baseline,
              lineageRun: r.lineageRun,
              warnings: r.warnings,
            });
          const m = r.model;
          const ref = color.bold(`${m.name}@${m.version}`);
          print(
            r.created
              ? `registered ${ref} (${m.hash.slice(0, 12)}, ${formatBytes(m.size)})`
              : `${ref} already holds these bytes (${m.hash.slice(0, 12)}); nothing registered`,
          );
          if (r.created && m.format === 'onnx') print(`features: ${describeFeatures(m)}`);
          const lr = r.lineageRun;
          if (r.created && lr && (lr.found === 'output' || lr.found === 'artifact')) {
            print(
              `lineage: run ${lr.id.slice(0, 8)} produced this file (its ${lr.found} ${lr.path ?? ''}); recorded with its params and metrics`,
            );
          }
          if (r.baseline) {
            print(
              `drift baseline ${color.bold(r.baseline.name)}: ${r.baseline.rows.toLocaleString('en-US')} rows, ${r.baseline.columns.length} columns ` +
                color.dim(`(mlo drift check --model ${m.name}@${m.version} --data FILE)`),
            );
          }
        } finally {
          repo.close();
        }
      }),
    );

  model
    .command('list')
    .description('list models, or the versions of one model')
    .argument('[name]', 'list the versions of this model')
    .option('--local', "act on this clone's own registry, not the server's (registry: in mlo.yaml)")
    .option('--json', 'print {"models":[...]} (or {"name","versions":[...]}) as JSON')
    .action(
      action(async (name: string | undefined, opts: LocalJson, cmd: Command) => {
        const { openRepo, openRegistry } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const registry = await openRegistry(repo, { local: opts.local });
          if (name === undefined) {
            const models = await registry.listModels();
            if (opts.json) return printJson({ models });
            renderModels(models);
          } else {
            const versions = await registry.listVersions(name);
            if (opts.json) return printJson({ name, versions });
            renderVersions(versions);
          }
        } finally {
          repo.close();
        }
      }),
    );

  model
    .command('show')
    .description('a version: lineage, signature, features, metrics, evaluations, alias history')
    .argument('<ref>', 'NAME, NAME@VERSION or NAME@ALIAS')
    .option('--local', "act on this clone's own registry, not the server's (registry: in mlo.yaml)")
    .option('--json', 'print the version as JSON')
    .action(
      action(async (ref: string, opts: LocalJson, cmd: Command) => {
        const { openRepo, openRegistry } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const detail = await (await openRegistry(repo, { local: opts.local })).showModel(ref);
          if (opts.json) return printJson(detail);
          renderDetail(detail);
        } finally {
          repo.close();
        }
      }),
    );

  const alias = model.command('alias').description('point aliases (champion, staging) at versions');
  alias
    .command('set')
    .description('point ALIAS at VERSION (default: the latest), without gates; audited')
    .argument('<name>', 'model name')
    .argument('<alias>', 'alias name')
    .argument('[version]', 'version number', parsePositiveInt('VERSION'))
    .option('--local', "act on this clone's own registry, not the server's (registry: in mlo.yaml)")
    .option('--json', 'print the change as JSON')
    .action(
      action(
        async (
          name: string,
          aliasName: string,
          version: number | undefined,
          opts: LocalJson,
          cmd: Command,
        ) => {
          const { openRepo, openRegistry } = await lib();
          const repo = openRepo(cwdOf(cmd));
          try {
            const registry = await openRegistry(repo, { local: opts.local });
            const change = await registry.setAlias({ name, alias: aliasName, version });
            if (opts.json) return printJson(change);
            print(describeChange(change));
          } finally {
            repo.close();
          }
        },
      ),
    );
  alias
    .command('rm')
    .description('remove ALIAS from model NAME; audited')
    .argument('<name>', 'model name')
    .argument('<alias>', 'alias name')
    .option('--local', "act on this clone's own registry, not the server's (registry: in mlo.yaml)")
    .option('--json', 'print the change as JSON')
    .action(
      action(async (name: string, aliasName: string, opts: LocalJson, cmd: Command) => {
        const { openRepo, openRegistry } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const registry = await openRegistry(repo, { local: opts.local });
          const change = await registry.removeAlias({ name, alias: aliasName });
          if (opts.json) return printJson(change);
          print(describeChange(change));
        } finally {
          repo.close();
        }
      }),
    );

  model
    .command('tag')
    .description('set (KEY=VALUE) or remove (--rm KEY) tags of a model or a version; audited')
    .argument('<ref>', 'NAME (the model) or NAME@VERSION')
    .argument('[assignments...]', 'KEY=VALUE tags to set')
    .option('--rm <key>', 'a tag to remove (repeatable)', collect, [])
    .option('--local', "act on this clone's own registry, not the server's (registry: in mlo.yaml)")
    .option('--json', 'print the changes as JSON')
    .action(
      action(
        async (
          ref: string,
          assignments: string[],
          opts: LocalJson & { rm: string[] },
          cmd: Command,
        ) => {
          const { openRepo, openRegistry } = await lib();
          if (assignments.length === 0 && opts.rm.length === 0) {
            throw new MloError('USAGE', 'give KEY=VALUE tags to set or --rm KEY');
          }
          const repo = openRepo(cwdOf(cmd));
          try {
            const registry = await openRegistry(repo, { local: opts.local });
            const target = registryTarget(ref);
            const changes = [];
            for (const a of assignments) {
              const [k, v] = splitAssignment(a, 'tag');
              changes.push(await registry.setTag(target, k, v));
            }
            for (const k of opts.rm) changes.push(await registry.removeTag(target, k));
            if (opts.json) return printJson({ changes });
            for (const c of changes) {
              print(
                `${c.action === 'tag' ? 'tagged' : 'untagged'} ${ref} ${c.key}${c.changed ? '' : color.dim(' (unchanged)')}`,
              );
            }
          } finally {
            repo.close();
          }
        },
      ),
    );

  model
    .command('describe')
    .description('set the description of a model or a version; audited')
    .argument('<ref>', 'NAME (the model) or NAME@VERSION')
    .argument('<text>', 'the description')
    .option('--local', "act on this clone's own registry, not the server's (registry: in mlo.yaml)")
    .option('--json', 'print the change as JSON')
    .action(
      action(async (ref: string, text: string, opts: LocalJson, cmd: Command) => {
        const { openRepo, openRegistry } = await lib();
        const repo = openRepo(cwdOf(cmd));
        try {
          const registry = await openRegistry(repo, { local: opts.local });
          const change = await registry.describe(registryTarget(ref), text);
          if (opts.json) return printJson(change);
          print(`described ${ref}${change.changed ? '' : color.dim(' (unchanged)')}`);
        } finally {
          repo.close();
        }
      }),
    );

  model
    .command('export')
    .description(
      "write a version's ONNX file (PATH may be a directory), or with --bundle everything needed to serve it without the repository",
    )
    .argument('<ref>', 'NAME, NAME@VERSION or NAME@ALIAS')
    .argument('[path]', 'where to write the ONNX file (never inside .git or .mlo)')
    .option(
      '--bundle <dest>',
      'write a model bundle instead: a directory, or a .tar.gz (model, signature, baseline, serve settings, manifest with hashes)',
    )
    .option('--force', 'replace an existing file or bundle (never a link or device)')
    .option('--json', 'print the result as JSON')
    .action(
      action(
        async (
          ref: string,
          path: string | undefined,
          opts: { json?: boolean; force?: boolean; bundle?: string },
          cmd: Command,
        ) => {
          if ((path === undefined) === (opts.bundle === undefined)) {
            throw new MloError(
              'USAGE',
              'mlo model export: give a PATH or --bundle DEST (one of them)',
            );
          }
          const { openRepo, exportModel, exportBundle } = await lib();
          const cwd = cwdOf(cmd);
          const repo = openRepo(cwd);
          try {
            if (opts.bundle !== undefined) {
              const b = await exportBundle(repo, ref, opts.bundle, { cwd, force: opts.force });
              if (opts.json) return printJson(b);
              const size = b.files.reduce((n, f) => n + f.size, 0);
              print(
                `wrote the bundle of ${b.name}@${b.version} (${b.ref}) to ${b.path} (${b.format}, ${b.files.length + 1} files, ${formatBytes(size)})`,
              );
              if (!b.baseline) {
                print(
                  `  no drift baseline: the version has none (register it with --baseline-data)`,
                );
              }
              print(`  serve it anywhere: mlo serve --bundle ${b.path}`);
              return;
            }
            const r = exportModel(repo, ref, path!, { cwd, force: opts.force });
            if (opts.json) return printJson(r);
            print(`wrote ${r.name}@${r.version} to ${r.path} (${formatBytes(r.size)})`);
          } finally {
            repo.close();
          }
        },
      ),
    );
}

/** `churn` → the model; `churn@3` → version 3. */
function registryTarget(ref: string): { name: string; version?: number } {
  const at = ref.lastIndexOf('@');
  if (at < 0) return { name: ref };
  const v = ref.slice(at + 1);
  if (!/^\d+$/.test(v)) {
    throw new MloError('USAGE', `${ref}: tag and describe take NAME or NAME@VERSION (a number)`);
  }
  return { name: ref.slice(0, at), version: Number(v) };
}

function splitAssignment(text: string, flag: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new MloError('USAGE', `${flag} expects key=value, got "${text}"`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

function parseMetrics(items: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const [k, v] = splitAssignment(item, '--metric');
    const n = Number(v);
    if (v === '' || !Number.isFinite(n)) {
      throw new MloError('USAGE', `--metric ${k} must be a number, got "${v}"`);
    }
    out[k] = n;
  }
  return out;
}

function parseTags(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const [k, v] = splitAssignment(item, '--tag');
    out[k] = v;
  }
  return out;
}

function describeFeatures(m: ModelVersion): string {
  if (!m.features) return color.dim('unknown (eval uses the data columns minus the target)');
  const from = {
    flag: '--features',
    metadata: 'model metadata',
    'baseline-data': '--baseline-data',
    inputs: 'input names',
  }[m.featuresSource ?? 'flag'];
  return `${m.features.join(', ')} ${color.dim(`(from ${from})`)}`;
}

export function time(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function aliasList(aliases: Record<string, number>): string {
  return Object.entries(aliases)
    .map(([a, v]) => `${a}→${v}`)
    .join(', ');
}

function renderModels(models: ModelSummary[]): void {
  if (models.length === 0) {
    print('no models registered yet: mlo model register NAME model.onnx');
    return;
  }
  print(
    renderTable(
      [
        'name',
        { header: 'versions', align: 'right' },
        { header: 'latest', align: 'right' },
        'aliases',
        'updated',
      ],
      models.map((m) => [
        m.name,
        String(m.versions),
        String(m.latestVersion),
        aliasList(m.aliases),
        time(m.updatedAt),
      ]),
    ),
  );
}

function shortMetrics(metrics: Record<string, number | null>, max = 4): string {
  const entries = Object.entries(metrics);
  const shown = entries.slice(0, max).map(([k, v]) => `${k}=${fmtNum(v)}`);
  if (entries.length > max) shown.push('…');
  return shown.join(' ');
}

export function fmtNum(v: number | null | boolean | undefined): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'pass' : 'fail';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

function renderVersions(versions: ModelVersion[]): void {
  print(
    renderTable(
      [{ header: 'version', align: 'right' }, 'aliases', 'created', 'by', 'run', 'metrics', 'hash'],
      versions.map((v) => [
        String(v.version),
        v.aliases.join(', '),
        time(v.createdAt),
        v.createdBy,
        v.lineage.runId ?? '',
        shortMetrics(v.metrics),
        v.hash.slice(0, 12),
      ]),
    ),
  );
}

function ioLine(io: IoInfo): string {
  const shape = io.shape
    ? `[${io.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`
    : '';
  return `${io.name}  ${io.type} ${shape}`.trimEnd();
}

function renderDetail(d: ModelDetail): void {
  const head = `${color.bold(`${d.name}@${d.version}`)}${d.aliases.length ? `  (${d.aliases.join(', ')})` : ''}`;
  print(head);
  const rows: [string, string][] = [
    ['hash', d.hash],
    ['size', formatBytes(d.size)],
    ['created', `${time(d.createdAt)} by ${d.createdBy}`],
    ['source', d.source ?? '-'],
    ['run', d.lineage.runId ?? '-'],
    [
      'git',
      d.lineage.gitCommit
        ? `${d.lineage.gitCommit.slice(0, 12)}${d.lineage.gitDirty ? ' (dirty)' : ''}`
        : '-',
    ],
  ];
  if (d.lineage.inputs.length) {
    rows.push([
      'inputs',
      d.lineage.inputs.map((i) => `${i.path} ${i.hash?.slice(0, 12) ?? ''}`).join('; '),
    ]);
  }
  if (d.lineage.baselineData) {
    rows.push([
      'baseline',
      `${d.lineage.baselineData.path} ${d.lineage.baselineData.hash.slice(0, 12)}`,
    ]);
  }
  rows.push(['features', describeFeatures(d)]);
  d.signature.inputs.forEach((io, i) => rows.push([i === 0 ? 'model in' : '', ioLine(io)]));
  d.signature.outputs.forEach((io, i) =>
    rows.push([
      i === 0 ? 'model out' : '',
      `${ioLine(io)}${io.isTensor ? '' : color.yellow('  (not usable)')}`,
    ]),
  );
  if (d.signature.classLabels) rows.push(['classes', d.signature.classLabels.join(', ')]);
  if (Object.keys(d.metrics).length) rows.push(['metrics', shortMetrics(d.metrics, 100)]);
  if (Object.keys(d.tags).length) {
    rows.push([
      'tags',
      Object.entries(d.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    ]);
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) print(`  ${k.padEnd(w)}  ${v}`);
  for (const warning of d.signature.warnings) warn(`${warning.message}\n  hint: ${warning.hint}`);

  if (d.evaluations.length) {
    print('\nevaluations');
    print(
      renderTable(
        ['when', 'data', 'target', { header: 'rows', align: 'right' }, 'metrics'],
        d.evaluations.map((e) => [
          time(e.createdAt),
          `${e.data.path} ${color.dim(e.data.hash.slice(0, 8))}`,
          e.target,
          String(e.rows),
          shortMetrics(e.metrics, 5),
        ]),
        { indent: '  ' },
      ),
    );
  }
  if (d.aliasHistory.length) {
    print('\nalias history');
    print(renderHistory(d.aliasHistory));
  }
}

export function renderHistory(events: AliasEvent[]): string {
  return renderTable(
    ['when', 'alias', 'action', 'outcome', 'from→to', 'who', 'commit', 'gates'],
    events.map((e) => [
      time(e.at),
      e.alias,
      e.action,
      e.outcome === 'rejected' ? color.red(e.outcome) : e.outcome,
      `${e.fromVersion ?? '-'}→${e.toVersion ?? '-'}`,
      e.who,
      e.gitCommit?.slice(0, 8) ?? '',
      e.gates ? gateSummary(e.gates) : '',
    ]),
    { indent: '  ' },
  );
}

function gateSummary(gates: { gate: string; passed: boolean }[]): string {
  const failed = gates.filter((g) => !g.passed);
  if (failed.length === 0) return `${gates.length}/${gates.length} passed`;
  return `failed: ${failed.map((g) => g.gate).join('; ')}`;
}

export function describeChange(c: AliasChange): string {
  const ref = `${c.name}@${c.alias}`;
  switch (c.outcome) {
    case 'moved':
      return `${ref}: ${c.from ?? 'none'} → ${c.to}`;
    case 'removed':
      return `${ref}: removed (was ${c.from})`;
    case 'unchanged':
      return `${ref} already points at ${c.to}`;
    case 'rejected':
      return `${ref}: stays at ${c.from ?? 'none'}`;
  }
}
