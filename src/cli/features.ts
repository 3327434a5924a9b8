/** `mlo features ...`: the feature store (definitions, training sets, online store, serving). */
import { InvalidArgumentError, type Command } from 'commander';
import type { Repo } from '../repo/index.js';
import type {
  ApplyResult,
  ChangeSet,
  FeatureList,
  OnlineResponse,
  PlanResult,
  ShownObject,
} from '../features/index.js';
import { MloError } from '../errors.js';
import { action, collect, cwdOf, parsePositiveInt, readTokenEnv } from './common.js';
import { color } from './render/color.js';
import { note, print, printJson, warn } from './render/output.js';
import { renderTable } from './render/table.js';

/** The feature store's slice of the library (also exported by src/index.ts), loaded when a command runs. */
// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- a type-only view of a lazily loaded module
const featuresLib = (): Promise<typeof import('../features/index.js')> =>
  import('../features/index.js');
// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- as above
const repoLib = (): Promise<typeof import('../repo/index.js')> => import('../repo/index.js');

async function withRepo<T>(cmd: Command, fn: (repo: Repo) => Promise<T> | T): Promise<T> {
  const { openRepo } = await repoLib();
  const repo = openRepo(cwdOf(cmd));
  try {
    return await fn(repo);
  } finally {
    repo.close();
  }
}

/** ISO 8601 date or date-time (a time without an offset is UTC), or `now`. */
function parseTime(flag: string): (value: string) => number {
  return (value: string) => {
    if (value === 'now') return Date.now();
    const m =
      /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
        value,
      );
    const t = m
      ? Date.parse(m[4] === undefined ? `${value}T00:00:00Z` : m[8] ? value : `${value}Z`)
      : NaN;
    if (Number.isNaN(t)) {
      throw new InvalidArgumentError(
        `${flag} ${value}: expected an ISO 8601 time (2024-05-01, 2024-05-01T12:00:00Z) or now`,
      );
    }
    return t;
  };
}

const iso = (ms: number): string =>
  ms <= -8.64e15 ? 'the beginning' : new Date(ms).toISOString().replace('.000Z', 'Z');

function renderChanges(c: ChangeSet): void {
  const line = (
    sign: string,
    paint: (s: string) => string,
    kind: string,
    name: string,
    details?: string[],
  ): void => {
    print(
      `  ${paint(sign)} ${kind.replace('_', '-')} ${color.bold(name)}${details?.length ? `: ${details.join('; ')}` : ''}`,
    );
  };
  for (const x of c.added) line('+', color.green, x.kind, x.name);
  for (const x of c.changed) line('~', color.yellow, x.kind, x.name, x.details);
  for (const x of c.removed) line('-', color.red, x.kind, x.name);
}

function renderPlan(p: PlanResult | ApplyResult, applied: boolean): void {
  const total = p.changes.added.length + p.changes.changed.length + p.changes.removed.length;
  if ('recorded' in p && !p.recorded) {
    print(`no changes: version ${p.version} is current`);
    return;
  }
  if (!applied && p.next === null) {
    print(
      p.current === null
        ? 'nothing to apply: mlo.yaml has no features'
        : `no changes: version ${p.current} is current`,
    );
    return;
  }
  print(
    applied
      ? `${color.green('applied')} version ${p.next}: ${total} change${total === 1 ? '' : 's'}`
      : `version ${p.next} would record ${total} change${total === 1 ? '' : 's'}${p.current === null ? '' : ` against version ${p.current}`}:`,
  );
  renderChanges(p.changes);
  const purged = 'purged' in p ? p.purged : p.purge;
  if (purged.length) {
    print(
      `  online values ${applied ? 'removed' : 'to remove'}: ${purged.join(', ')} (materialize again to fill them)`,
    );
  }
}

export function registerFeatureCommands(program: Command): void {
  const features = program
    .command('features')
    .description('feature store: definitions, point-in-time training sets, online features');

  features
    .command('plan')
    .description('compare the features: section of mlo.yaml with the applied version')
    .option('--json', 'print the plan as JSON')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { planDefinitions } = await featuresLib();
        return withRepo(cmd, (repo) => {
          const p = planDefinitions(repo);
          if (opts.json) return printJson(p);
          renderPlan(p, false);
          for (const problem of p.problems) warn(problem);
        });
      }),
    );

  features
    .command('apply')
    .description('record the definitions as a new version; remove what they no longer hold')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { applyDefinitions } = await featuresLib();
        return withRepo(cmd, async (repo) => {
          const r = await applyDefinitions(repo);
          if (opts.json) return printJson(r);
          renderPlan(r, true);
        });
      }),
    );

  features
    .command('list')
    .description('entities, sources, views, on-demand views and services of the applied version')
    .option('--json', 'print them as JSON')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { listFeatures, formatDuration } = await featuresLib();
        return withRepo(cmd, (repo) => {
          const l = listFeatures(repo);
          if (opts.json) return printJson(l);
          renderList(l, formatDuration);
        });
      }),
    );

  features
    .command('show')
    .description('one entity, source, view, on-demand view or service in detail')
    .argument('<name>', 'its name')
    .option(
      '--kind <kind>',
      'entity, source, view, on_demand or service, when a name is used twice',
    )
    .option('--json', 'print it as JSON')
    .action(
      action(async (name: string, opts: { kind?: string; json?: boolean }, cmd: Command) => {
        const { showFeatureObject, formatDuration } = await featuresLib();
        const kinds = ['entity', 'source', 'view', 'on_demand', 'service'];
        if (opts.kind !== undefined && !kinds.includes(opts.kind)) {
          throw new MloError('USAGE', `--kind ${opts.kind}: expected one of ${kinds.join(', ')}`);
        }
        return withRepo(cmd, (repo) => {
          const o = showFeatureObject(repo, name, opts.kind as never);
          if (opts.json) return printJson(o);
          renderShown(o, formatDuration);
        });
      }),
    );

  features
    .command('versions')
    .description('the applied versions of the definitions and what each changed')
    .option('--json', 'print {"versions": [...]}')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { featureVersions } = await featuresLib();
        return withRepo(cmd, (repo) => {
          const versions = featureVersions(repo);
          if (opts.json) return printJson({ versions });
          if (versions.length === 0) return print(color.dim('no versions: mlo features apply'));
          for (const v of versions) {
            print(
              `${color.bold(`version ${v.version}`)}  ${v.createdAt.replace('T', ' ').slice(0, 19)}${v.gitCommit ? `  ${v.gitCommit.slice(0, 8)}` : ''}`,
            );
            renderChanges(v.changes);
          }
        });
      }),
    );

  features
    .command('join')
    .description(
      "a point-in-time correct training set: each entity row gets each view's latest value at its time",
    )
    .requiredOption(
      '--entities <file>',
      'entity rows: join keys and a time per row (CSV, Parquet, JSON Lines)',
    )
    .requiredOption(
      '--features <refs>',
      'a service, or view:feature,view,... (a whole view: all its features)',
    )
    .requiredOption('--out <file>', 'the training set to write: .csv or .parquet')
    .option(
      '--timestamp <column>',
      'the entity time column (default: event_timestamp, else the only datetime column)',
    )
    .option(
      '--as-of-created',
      'also require created time <= entity time, so the set can be rebuilt exactly later',
    )
    .option('--full-names', 'name feature columns view__feature')
    .option('--engine <engine>', 'auto, js or duckdb (default auto)', 'auto')
    .option(
      '--definitions-version <n>',
      'use an older applied version of the definitions',
      parsePositiveInt('--definitions-version'),
    )
    .option('--json', 'print the result and its lineage as JSON')
    .action(
      action(
        async (
          opts: {
            entities: string;
            features: string;
            out: string;
            timestamp?: string;
            asOfCreated?: boolean;
            fullNames?: boolean;
            engine: string;
            definitionsVersion?: number;
            json?: boolean;
          },
          cmd: Command,
        ) => {
          const { joinFeatures } = await featuresLib();
          if (!['auto', 'js', 'duckdb'].includes(opts.engine)) {
            throw new MloError('USAGE', `--engine ${opts.engine}: expected auto, js or duckdb`);
          }
          return withRepo(cmd, async (repo) => {
            const r = await joinFeatures(repo, {
              entities: opts.entities,
              features: opts.features,
              out: opts.out,
              cwd: cwdOf(cmd),
              timestamp: opts.timestamp,
              asOfCreated: opts.asOfCreated,
              fullNames: opts.fullNames,
              engine: opts.engine as 'auto',
              version: opts.definitionsVersion,
            });
            for (const w of r.warnings) warn(w);
            if (opts.json) return printJson(r);
            print(
              `${color.green('wrote')} ${opts.out}: ${r.rows.toLocaleString('en-US')} rows × ${r.features.length} features ` +
                `(definitions version ${r.version}, ${r.engine} engine)`,
            );
            print(
              renderTable(
                ['view', { header: 'matched', align: 'right' }, 'source', 'data'],
                r.sources.map((s) => [
                  s.view,
                  `${(r.matched[s.view] ?? 0).toLocaleString('en-US')} / ${r.rows.toLocaleString('en-US')}`,
                  s.path,
                  s.hash.slice(0, 12),
                ]),
                { indent: '  ' },
              ),
            );
            if (r.runId) print(`  recorded as inputs of run ${r.runId.slice(0, 8)}`);
          });
        },
      ),
    );

  features
    .command('materialize')
    .description('write the latest value per entity of each online view into the online store')
    .argument('[start]', 'event times from (ISO 8601, inclusive)', parseTime('START'))
    .argument(
      '[end]',
      'event times until (ISO 8601 or now, inclusive; default now)',
      parseTime('END'),
    )
    .option('--incremental', 'each view from where its last materialization ended')
    .option('--view <name>', 'only this view (repeatable)', collect)
    .option('--online-store <url>', 'a redis:// URL instead of features.online_store')
    .option('--json', 'print what was written as JSON')
    .action(
      action(
        async (
          start: number | undefined,
          end: number | undefined,
          opts: { incremental?: boolean; view?: string[]; onlineStore?: string; json?: boolean },
          cmd: Command,
        ) => {
          const { materializeFeatures } = await featuresLib();
          // with --incremental the one argument given is the end
          let from = start;
          let to = end;
          if (opts.incremental) {
            if (end !== undefined)
              throw new MloError('USAGE', 'with --incremental give at most END');
            to = start;
            from = undefined;
          } else if (start === undefined) {
            throw new MloError('USAGE', 'give START [END], or --incremental', {
              hint: 'mlo features materialize 2024-01-01 now',
            });
          }
          return withRepo(cmd, async (repo) => {
            const r = await materializeFeatures(repo, {
              start: from,
              end: to,
              incremental: opts.incremental,
              views: opts.view,
              onlineStore: opts.onlineStore,
            });
            for (const w of r.warnings) warn(w);
            if (opts.json) return printJson(r);
            if (r.views.length === 0) return print(color.dim('no online views'));
            print(`materialized into ${r.store} (definitions version ${r.version}):`);
            print(
              renderTable(
                [
                  'view',
                  'from',
                  'until',
                  { header: 'rows', align: 'right' },
                  { header: 'entities', align: 'right' },
                  { header: 'written', align: 'right' },
                ],
                r.views.map((v) => [
                  color.bold(v.view),
                  iso(v.startMs),
                  iso(v.endMs),
                  v.rows.toLocaleString('en-US'),
                  v.entities.toLocaleString('en-US'),
                  v.written.toLocaleString('en-US'),
                ]),
                { indent: '  ' },
              ),
            );
          });
        },
      ),
    );

  features
    .command('get')
    .description('read online features for entities (the ttl is enforced)')
    .requiredOption(
      '--entity <key=value>',
      'a join key and its value(s), comma-separated (repeatable)',
      collect,
    )
    .requiredOption('--features <refs>', 'a service, or view:feature,view,...')
    .option(
      '--request <field=value>',
      'a request field of an on-demand feature (repeatable)',
      collect,
    )
    .option('--full-names', 'name features view__feature')
    .option(
      '--now <time>',
      'read as if at this time (ISO 8601): decides what the ttl lets through',
      parseTime('--now'),
    )
    .option('--online-store <url>', 'a redis:// URL instead of features.online_store')
    .option('--json', "print Feast's GetOnlineFeaturesResponse as JSON")
    .action(
      action(
        async (
          opts: {
            entity: string[];
            features: string;
            request?: string[];
            fullNames?: boolean;
            now?: number;
            onlineStore?: string;
            json?: boolean;
          },
          cmd: Command,
        ) => {
          const { OnlineFeatures } = await featuresLib();
          const entities: Record<string, string[]> = {};
          for (const pair of [...opts.entity, ...(opts.request ?? [])]) {
            const eq = pair.indexOf('=');
            if (eq <= 0) throw new MloError('USAGE', `${pair}: expected key=value`);
            entities[pair.slice(0, eq).trim()] = pair.slice(eq + 1).split(',');
          }
          const rows = Object.values(entities).map((v) => v.length);
          if (new Set(rows).size > 1)
            throw new MloError(
              'USAGE',
              '--entity/--request: give every key the same number of values',
            );
          return withRepo(cmd, async (repo) => {
            const online = await OnlineFeatures.open(repo, { onlineStore: opts.onlineStore });
            try {
              const spec = opts.features;
              const isService =
                !spec.includes(':') &&
                !spec.includes(',') &&
                online.defs.services[spec] !== undefined;
              const r = await online.get(
                {
                  entities,
                  ...(isService ? { featureService: spec } : { features: spec.split(',') }),
                  fullFeatureNames: opts.fullNames,
                },
                opts.now,
              );
              if (opts.json) return printJson(r);
              renderOnline(r);
            } finally {
              await online.close();
            }
          });
        },
      ),
    );

  features
    .command('serve')
    .description("a feature server alone: Feast's POST /get-online-features")
    .option(
      '--port <n>',
      'port (0 picks a free one; default 6566, as Feast)',
      parseNonNegative('--port'),
    )
    .option('--host <address>', 'address to bind (default 127.0.0.1: this machine only)')
    .option('--online-store <url>', 'a redis:// URL instead of features.online_store')
    .option(
      '--token-env <VAR>',
      'require "Authorization: Bearer <token>", the token read from $VAR',
    )
    .action(
      action(
        async (
          opts: { port?: number; host?: string; onlineStore?: string; tokenEnv?: string },
          cmd: Command,
        ) => {
          const { startFeatureServer } = await featuresLib();
          const token = opts.tokenEnv === undefined ? undefined : readTokenEnv(opts.tokenEnv);
          return withRepo(cmd, async (repo) => {
            const server = await startFeatureServer(repo, {
              port: opts.port,
              host: opts.host,
              onlineStore: opts.onlineStore,
              token,
            });
            print(`serving features (definitions version ${server.version}) on ${server.url}`);
            print(`  POST /get-online-features · GET /health (Ctrl-C to stop)`);
            const signal = await new Promise<string>((resolve) => {
              process.once('SIGINT', () => resolve('SIGINT'));
              process.once('SIGTERM', () => resolve('SIGTERM'));
            });
            note(`${signal}: stopping`);
            await server.close();
          });
        },
      ),
    );

  features
    .command('validate')
    .description(
      "check a view's source data with the view's validation suite (exit 1 when it fails)",
    )
    .argument('<view>', 'the view')
    .option('--data <file>', "other data than the view's source (a file for a directory source)")
    .option('--json', 'print the validation result as JSON')
    .action(
      action(async (view: string, opts: { data?: string; json?: boolean }, cmd: Command) => {
        const { validateView } = await featuresLib();
        return withRepo(cmd, async (repo) => {
          const r = await validateView(repo, view, { data: opts.data, cwd: cwdOf(cmd) });
          if (opts.json) printJson(r);
          else {
            const st = r.result.statistics;
            print(
              `${r.result.success ? color.green('passed') : color.red('failed')}: view ${color.bold(view)}, suite ${r.suite}: ` +
                `${st.successful} of ${st.evaluated} expectations met`,
            );
          }
          return r.result.success ? 0 : 1;
        });
      }),
    );

  features
    .command('baseline')
    .description("profile a view's features as the drift baseline features.<view>")
    .argument('<view>', 'the view')
    .option('--data <file>', "other data than the view's source")
    .option('-f, --force', 'replace the existing baseline')
    .option('--json', 'print the baseline as JSON')
    .action(
      action(
        async (
          view: string,
          opts: { data?: string; force?: boolean; json?: boolean },
          cmd: Command,
        ) => {
          const { baselineView } = await featuresLib();
          return withRepo(cmd, async (repo) => {
            const b = await baselineView(repo, view, {
              data: opts.data,
              cwd: cwdOf(cmd),
              force: opts.force,
            });
            if (opts.json) return printJson(b);
            print(
              `${color.green('created')} baseline ${color.bold(b.name)} from ${b.source}: ${b.rows.toLocaleString('en-US')} rows, ${b.columns.length} features`,
            );
          });
        },
      ),
    );

  features
    .command('drift')
    .description(
      "compare a view's data now (or --data) with its baseline (exit 1 on dataset drift)",
    )
    .argument('<view>', 'the view')
    .option('--data <file>', "the data to check (default: the view's source now)")
    .option('--html <file>', 'also write the HTML report')
    .option('--json', 'print the drift report as JSON')
    .action(
      action(
        async (
          view: string,
          opts: { data?: string; html?: string; json?: boolean },
          cmd: Command,
        ) => {
          const { driftView } = await featuresLib();
          return withRepo(cmd, async (repo) => {
            const r = await driftView(repo, view, {
              data: opts.data,
              cwd: cwdOf(cmd),
              html: opts.html,
            });
            const rep = r.report;
            if (opts.json) printJson(rep);
            else {
              print(
                `${rep.dataset_drift ? color.red('drift') : color.green('no drift')}: view ${color.bold(view)}, ` +
                  `${rep.drifted_columns} of ${rep.checked_columns} features drifted (share ${rep.drift_share.toFixed(2)}, threshold ${rep.share_threshold})`,
              );
              for (const c of rep.columns.filter((x) => x.drifted))
                print(`  ${c.column}: ${c.test} ${String(c.score)} (threshold ${c.threshold})`);
            }
            return rep.dataset_drift ? 1 : 0;
          });
        },
      ),
    );

  features
    .command('skew')
    .description(
      'training-serving skew: served feature values against the offline values at the same entity and time (exit 1 past --max-share)',
    )
    .option(
      '--served <file>',
      'served rows: join keys, the time served and the feature values used',
    )
    .option('--log', 'what mlo serve filled in from the online store (serve.features)')
    .option('--model <ref>', 'with --log: NAME or NAME@VERSION')
    .option('--since <when>', 'with --log: 30m, 24h, 7d or a date')
    .option(
      '--features <refs>',
      'the features to check (default: every column named after a feature)',
    )
    .option(
      '--timestamp <column>',
      'the time column (default: event_timestamp, else the only datetime column)',
    )
    .option(
      '--max-share <x>',
      'the share of rows a feature may disagree in (default 0)',
      parseShare,
    )
    .option('--tolerance <x>', 'numbers agree within x relative (default 1e-9)', parseShare)
    .option('--json', 'print the result as JSON')
    .action(
      action(
        async (
          opts: {
            served?: string;
            log?: boolean;
            model?: string;
            since?: string;
            features?: string;
            timestamp?: string;
            maxShare?: number;
            tolerance?: number;
            json?: boolean;
          },
          cmd: Command,
        ) => {
          const { checkSkew } = await featuresLib();
          return withRepo(cmd, async (repo) => {
            const r = await checkSkew(repo, {
              served: opts.served,
              log: opts.log ? { model: opts.model, since: opts.since } : undefined,
              cwd: cwdOf(cmd),
              features: opts.features,
              timestamp: opts.timestamp,
              maxShare: opts.maxShare,
              tolerance: opts.tolerance,
            });
            if (opts.json) printJson(r);
            else {
              print(
                `${r.passed ? color.green('no skew') : color.red('skew')}: ${r.rows.toLocaleString('en-US')} served rows against definitions version ${r.version}`,
              );
              print(
                renderTable(
                  [
                    'feature',
                    'column',
                    { header: 'mismatches', align: 'right' },
                    { header: 'share', align: 'right' },
                    { header: 'max |diff|', align: 'right' },
                    'e.g. row: served / offline',
                  ],
                  r.features.map((f) => [
                    f.feature,
                    f.column,
                    f.mismatches.toLocaleString('en-US'),
                    f.share.toFixed(4),
                    f.maxAbsDiff === null ? '-' : String(Number(f.maxAbsDiff.toPrecision(4))),
                    f.examples[0]
                      ? `${f.examples[0].row}: ${String(f.examples[0].served)} / ${String(f.examples[0].offline)}`
                      : '',
                  ]),
                  { indent: '  ' },
                ),
              );
            }
            return r.passed ? 0 : 1;
          });
        },
      ),
    );

  features
    .command('lineage')
    .description(
      'where the features of a training set came from: by the file, or by a run that read it',
    )
    .argument('<file|run>', 'a training set file, or a run id')
    .option('--json', 'print {"sets": [...]}')
    .action(
      action(async (target: string, opts: { json?: boolean }, cmd: Command) => {
        const { featureLineage } = await featuresLib();
        return withRepo(cmd, (repo) => {
          const r = featureLineage(repo, target, cwdOf(cmd));
          if (opts.json) return printJson(r);
          if (r.sets.length === 0)
            return print(color.dim(`${target}: no training set built by mlo features join`));
          for (const s of r.sets) {
            print(
              `${color.bold(s.path)}  ${s.hash.slice(0, 12)}  ${s.rows.toLocaleString('en-US')} rows, definitions version ${s.version}` +
                `${s.asOfCreated ? ', as of created' : ''}${s.runId ? `, run ${s.runId.slice(0, 8)}` : ''}`,
            );
            print(`  entities ${s.entitiesPath} ${s.entitiesHash.slice(0, 12)}`);
            print(
              renderTable(
                ['feature', 'view', 'source', 'data', 'ttl'],
                s.features.map((f) => {
                  const [view] = f.split(':');
                  const src = s.sources.find((x) => x.view === view);
                  return [
                    f,
                    view,
                    src?.path ?? color.dim('(on demand)'),
                    src?.hash.slice(0, 12) ?? '',
                    src ? String(src.ttl) + 's' : '',
                  ];
                }),
                { indent: '  ' },
              ),
            );
          }
        });
      }),
    );
}

function parseShare(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`expected a number >= 0, got "${v}"`);
  return n;
}

function parseNonNegative(flag: string): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v) || Number(v) > 65535)
      throw new InvalidArgumentError(`${flag} must be 0 to 65535, got "${v}"`);
    return Number(v);
  };
}

function renderList(l: FeatureList, formatTtl: (seconds: number) => string): void {
  print(
    `definitions version ${l.version}, online store ${l.onlineStore}${l.pending ? color.yellow('  (mlo.yaml differs: mlo features plan)') : ''}`,
  );
  if (l.views.length) {
    print();
    print(
      renderTable(
        [
          'view',
          'entities',
          { header: 'features', align: 'right' },
          'ttl',
          'online',
          'source',
          'materialized until',
        ],
        l.views.map((v) => [
          color.bold(v.name),
          v.entities.join(', '),
          String(v.features.length),
          v.ttl ? formatTtl(v.ttl) : '-',
          v.online ? 'yes' : 'no',
          v.source,
          v.materialized ? iso(v.materialized.endMs) : color.dim('-'),
        ]),
      ),
    );
  }
  if (l.onDemand.length) {
    print();
    print(
      renderTable(
        ['on-demand', 'features', 'request fields'],
        l.onDemand.map((o) => [
          color.bold(o.name),
          o.features.map((f) => f.name).join(', '),
          o.request.map((r) => r.name).join(', ') || '-',
        ]),
      ),
    );
  }
  if (l.services.length) {
    print();
    print(
      renderTable(
        ['service', { header: 'features', align: 'right' }, 'views'],
        l.services.map((s) => [
          color.bold(s.name),
          String(s.features.length),
          [...new Set(s.features.map((f) => f.split(':')[0]))].join(', '),
        ]),
      ),
    );
  }
  if (l.entities.length || l.sources.length) {
    print();
    print(
      renderTable(
        ['entity / source', 'detail'],
        [
          ...l.entities.map((e) => [
            color.bold(e.name),
            `join keys ${e.joinKeys.map((k) => `${k.name} (${k.type})`).join(', ')}`,
          ]),
          ...l.sources.map((s) => [
            color.bold(s.name),
            `${s.path}, time ${s.timestamp}${s.createdTimestamp ? `, created ${s.createdTimestamp}` : ''}`,
          ]),
        ],
      ),
    );
  }
}

function renderShown(
  o: ShownObject & { version: number },
  formatTtl: (seconds: number) => string,
): void {
  switch (o.kind) {
    case 'view': {
      const v = o.view;
      print(
        `view ${color.bold(v.name)} (definitions version ${o.version})${v.description ? `: ${v.description}` : ''}`,
      );
      print(
        `  entities ${v.entities.join(', ')} (join keys ${v.joinKeys.map((k) => `${k.name} ${k.type}`).join(', ')})`,
      );
      print(
        `  source ${o.source.name}: ${o.source.path}, event time ${o.source.timestamp}${o.source.createdTimestamp ? `, created ${o.source.createdTimestamp}` : ''}`,
      );
      print(
        `  ttl ${v.ttl ? formatTtl(v.ttl) : 'none'}, online ${v.online ? 'yes' : 'no'}${v.validation ? `, validation suite ${v.validation}` : ''}`,
      );
      if (v.tags)
        print(
          `  tags ${Object.entries(v.tags)
            .map(([k, x]) => `${k}=${String(x)}`)
            .join(' ')}`,
        );
      if (o.materialized)
        print(
          `  materialized ${iso(o.materialized.startMs)} .. ${iso(o.materialized.endMs)}: ${o.materialized.entities.toLocaleString('en-US')} entities`,
        );
      if (o.services.length) print(`  in services ${o.services.join(', ')}`);
      print(
        renderTable(
          ['feature', 'type', 'description'],
          v.features.map((f) => [f.name, f.type, f.description ?? '']),
          { indent: '  ' },
        ),
      );
      return;
    }
    case 'on_demand':
      print(`on-demand view ${color.bold(o.onDemand.name)} (definitions version ${o.version})`);
      if (o.onDemand.request.length)
        print(
          `  request fields ${o.onDemand.request.map((r) => `${r.name} ${r.type}`).join(', ')}`,
        );
      print(
        renderTable(
          ['feature', 'type', 'expression'],
          o.onDemand.features.map((f) => [f.name, f.type, f.expr]),
          { indent: '  ' },
        ),
      );
      return;
    case 'service':
      print(
        `service ${color.bold(o.service.name)} (definitions version ${o.version}): ${o.service.features.length} features`,
      );
      for (const f of o.service.features) print(`  ${f}`);
      return;
    case 'entity':
      print(
        `entity ${color.bold(o.entity.name)}: join keys ${o.entity.joinKeys.map((k) => `${k.name} ${k.type}`).join(', ')}`,
      );
      if (o.views.length) print(`  views ${o.views.join(', ')}`);
      return;
    case 'source':
      print(
        `source ${color.bold(o.source.name)}: ${o.source.path}, event time ${o.source.timestamp}${o.source.createdTimestamp ? `, created ${o.source.createdTimestamp}` : ''}`,
      );
      if (o.views.length) print(`  views ${o.views.join(', ')}`);
      return;
  }
}

function renderOnline(r: OnlineResponse): void {
  const n = r.results[0]?.values.length ?? 0;
  for (let row = 0; row < n; row++) {
    if (row > 0) print();
    print(
      renderTable(
        ['feature', 'value', 'status', 'event time'],
        r.metadata.feature_names.map((name, j) => {
          const v = r.results[j];
          const status = v.statuses[row];
          return [
            name,
            v.values[row] === null ? color.dim('null') : String(v.values[row]),
            status === 'PRESENT' ? status : color.yellow(status),
            v.event_timestamps[row] === '1970-01-01T00:00:00Z' ? '' : v.event_timestamps[row],
          ];
        }),
      ),
    );
  }
}
