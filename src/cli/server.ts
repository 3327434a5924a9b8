/** `mlo server`: the team hub over a bare store, and its tokens. */
import { Option, type Command } from 'commander';
import { MloError } from '../errors.js';
import { action, parsePositiveInt } from './common.js';
import { color } from './render/color.js';
import { note, print, printJson, warn } from './render/output.js';
import { renderTable } from './render/table.js';
import { waitForSignal } from './signals.js';

// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- a type-only view of a lazily loaded module
const serverLib = (): Promise<typeof import('../server/index.js')> => import('../server/index.js');

interface ServeFlags {
  store?: string;
  port: number;
  host: string;
  allowAnonymousRead?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  maxObjectBytes?: number;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

interface InitFlags {
  json?: boolean;
  objects?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
  pathStyle?: boolean;
  sse?: string;
  sseKmsKeyId?: string;
  jobs?: number;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

const SECRET_FLAGS = ['--access-key-id', '--secret-access-key', '--session-token'] as const;

/** The --objects backend and its S3 settings, by the setting names of docs/remotes.md. */
function objectsSpec(
  opts: InitFlags,
): { url: string; settings: Record<string, string> } | undefined {
  const settings: Record<string, string> = {};
  const given: [string, string | undefined][] = [
    ['endpoint', opts.endpoint],
    ['region', opts.region],
    ['profile', opts.profile],
    ['path_style', opts.pathStyle ? 'true' : undefined],
    ['sse', opts.sse],
    ['sse_kms_key_id', opts.sseKmsKeyId],
    ['jobs', opts.jobs === undefined ? undefined : String(opts.jobs)],
    ['access_key_id', opts.accessKeyId],
    ['secret_access_key', opts.secretAccessKey],
    ['session_token', opts.sessionToken],
  ];
  for (const [k, v] of given) if (v !== undefined) settings[k] = v;
  if (opts.objects === undefined) {
    const first = Object.keys(settings)[0];
    if (first !== undefined) {
      throw new MloError('USAGE', `--${first.replace(/_/g, '-')} goes with --objects s3://...`, {
        hint: 'without --objects the server keeps its objects in DIR/objects',
      });
    }
    return undefined;
  }
  return { url: opts.objects, settings };
}

function storeOf(cmd: Command): string {
  const store = cmd.optsWithGlobals<{ store?: string }>().store;
  if (!store) {
    throw new MloError('USAGE', '--store DIR is required: the server store', {
      hint: 'create one with `mlo server init DIR`',
    });
  }
  return store;
}

export function registerServerCommands(program: Command): void {
  const server = program
    .command('server')
    .description(
      'serve a bare store to a team: sync, the registry of record, MLflow API (see init, token)',
    )
    .option('--store <dir>', 'the server store (made by `mlo server init DIR`)')
    .option('-p, --port <n>', 'port (0: any free port)', parsePort, 5000)
    .option(
      '--host <addr>',
      'address to bind; anything but loopback needs TLS in front',
      '127.0.0.1',
    )
    .option('--allow-anonymous-read', 'answer read endpoints without a token')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
    .option('--tls-key <file>', 'and this private key (PEM)')
    .option(
      '--max-object-bytes <n>',
      'largest object a client may upload (default 20 GiB)',
      parsePositiveInt('--max-object-bytes'),
    )
    .action(
      action(async (opts: ServeFlags, cmd: Command) => {
        const store = storeOf(cmd);
        if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
          throw new MloError('USAGE', '--tls-cert and --tls-key go together');
        }
        const { startServer, listTokenInfo, openBareRepo } = await serverLib();
        const probe = openBareRepo(store);
        const live = (() => {
          try {
            return listTokenInfo(probe.store).filter((t) => t.revokedAt === null).length;
          } finally {
            probe.close();
          }
        })();
        // handled before the URL is printed: see `mlo serve`
        const signalled = waitForSignal();
        const running = await startServer({
          store,
          port: opts.port,
          host: opts.host,
          allowAnonymousRead: opts.allowAnonymousRead,
          tls: opts.tlsCert ? { cert: opts.tlsCert, key: opts.tlsKey! } : undefined,
          maxObjectBytes: opts.maxObjectBytes,
          log: (line) => warn(line),
        });
        print(`mlo server: ${store} on ${color.bold(running.url)} (Ctrl-C to stop)`);
        note(`  objects: ${running.objects}`);
        note(`  web UI: ${running.url.replace(/\/+$/, '')}/ui/ (sign in with a read token)`);
        if (!LOOPBACK.has(opts.host) && !opts.tlsCert) {
          warn(
            `listening on ${opts.host} without TLS: put a reverse proxy with TLS in front (docs/security.md, "The team server"), or pass --tls-cert/--tls-key`,
          );
        }
        if (opts.allowAnonymousRead)
          note('read endpoints answer without a token (--allow-anonymous-read)');
        if (live === 0) {
          note(`no tokens yet: mlo server token create --store ${store} --name NAME --scope write`);
        }
        const signal = await signalled;
        note(`${signal}: stopping`);
        await running.close();
      }),
    );

  const init = server
    .command('init')
    .description(
      'create an empty server store in DIR (the same schema as a repository store); its objects in DIR/objects or, with --objects, in S3',
    )
    .argument('<dir>', 'a new or empty directory')
    .option(
      '--objects <url>',
      "keep the objects in s3://bucket/prefix (credentials from the server's environment: AWS_*)",
    )
    .option('--endpoint <url>', 'S3: the service URL (MinIO, R2, GCS, ...)')
    .option('--region <region>', 'S3: the bucket region')
    .option('--profile <name>', 'S3: a profile of the shared AWS config files')
    .option('--path-style', 'S3: address the bucket in the path (most self-hosted stores)')
    .option('--sse <mode>', 'S3: server-side encryption: AES256, aws:kms or aws:kms:dsse')
    .option('--sse-kms-key-id <id>', 'S3: the KMS key for --sse aws:kms')
    .option('-j, --jobs <n>', 'S3: parallel requests to the bucket', parsePositiveInt('--jobs'))
    .option('--json', 'print {"dir", "created", "origin", "objects"}');
  // refused with a clear error rather than "unknown option": secrets stay out of the store
  for (const flag of SECRET_FLAGS) init.addOption(new Option(`${flag} <value>`).hideHelp());
  init.action(
    action(async (dir: string, opts: InitFlags) => {
      const { initServerStore } = await serverLib();
      const r = initServerStore(dir, { objects: objectsSpec(opts) });
      if (opts.json) return printJson(r);
      print(r.created ? `created server store ${r.dir}` : `${r.dir} is already a server store`);
      print(color.dim(`objects: ${r.objects}`));
      if (r.created) {
        print(color.dim(`next: mlo server token create --store ${dir} --name NAME --scope write`));
        print(color.dim(`      mlo server --store ${dir} --port 5000`));
      }
    }),
  );

  const token = server
    .command('token')
    .description("the server's tokens (stored hashed, shown once)");
  token
    .command('create')
    .description('create a token and print it once')
    .option('--store <dir>', 'the server store')
    .requiredOption('--name <name>', 'who it is (recorded in audits): alice, ci, prod-replica')
    .requiredOption('--scope <scope>', 'read, write or admin')
    .option('--json', 'print {"name", "scope", "token"}')
    .action(
      action(async (opts: { name: string; scope: string; json?: boolean }, cmd: Command) => {
        const { createToken, openBareRepo } = await serverLib();
        const repo = openBareRepo(storeOf(cmd));
        try {
          const t = createToken(repo.store, opts.name, opts.scope);
          if (opts.json) return printJson(t);
          print(t.token);
          note(
            `token ${t.name} (${t.scope}): shown once, store it now (e.g. as a CI secret MLO_TOKEN)`,
          );
        } finally {
          repo.close();
        }
      }),
    );
  token
    .command('list')
    .description('list tokens (names and scopes; the secrets are not stored)')
    .option('--store <dir>', 'the server store')
    .option('--json', 'print {"tokens": [...]}')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { listTokenInfo, openBareRepo } = await serverLib();
        const repo = openBareRepo(storeOf(cmd));
        try {
          const tokens = listTokenInfo(repo.store);
          if (opts.json) return printJson({ tokens });
          if (tokens.length === 0) return print('no tokens');
          print(
            renderTable(
              ['name', 'scope', 'created', 'last used', 'revoked'],
              tokens.map((t) => [
                t.name,
                t.scope,
                t.createdAt,
                t.lastUsedAt ?? '-',
                t.revokedAt ?? '',
              ]),
            ),
          );
        } finally {
          repo.close();
        }
      }),
    );
  token
    .command('revoke')
    .description('revoke a token: requests with it are refused from now on')
    .option('--store <dir>', 'the server store')
    .requiredOption('--name <name>', 'the token to revoke')
    .action(
      action(async (opts: { name: string }, cmd: Command) => {
        const { revokeTokenByName, openBareRepo } = await serverLib();
        const repo = openBareRepo(storeOf(cmd));
        try {
          revokeTokenByName(repo.store, opts.name);
          print(`revoked ${opts.name}`);
        } finally {
          repo.close();
        }
      }),
    );
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new MloError('USAGE', `--port must be 0-65535, got "${value}"`);
  }
  return n;
}
