/** `mlo remote add|list|modify|remove|default` */
import type { Command } from 'commander';
import { action, cwdOf, dataLib, parsePositiveInt } from './common.js';
import { print, printJson } from './render/output.js';
import { renderTable } from './render/table.js';

export function registerRemoteCommands(program: Command): void {
  const remote = program
    .command('remote')
    .description('configure remotes that push and pull move data to and from');

  remote
    .command('add')
    .description(
      'add a remote: a directory path, s3://bucket/prefix or an mlo server http(s)://host:port; the first remote becomes the default',
    )
    .argument('<name>')
    .argument(
      '<url>',
      'directory path (relative paths are relative to the repo root), s3://bucket/prefix or http(s)://host:port',
    )
    .option('-d, --default', 'make it the default remote')
    .option('--local', "write it to .mlo/config.local.yaml (git-ignored): this machine's only")
    .option('--endpoint <url>', 'S3: the service URL (MinIO, R2, GCS, ...)')
    .option('--region <region>', 'S3: the bucket region')
    .option('--profile <name>', 'S3: a profile of the shared AWS config files')
    .option('--path-style', 'S3: address the bucket in the path (most self-hosted stores)')
    .option('--sse <mode>', 'S3: server-side encryption: AES256, aws:kms or aws:kms:dsse')
    .option('--sse-kms-key-id <id>', 'S3: the KMS key for --sse aws:kms')
    .option('-j, --jobs <n>', 'parallel transfers for this remote', parsePositiveInt('--jobs'))
    .action(
      action(
        async (
          name: string,
          url: string,
          opts: {
            default?: boolean;
            local?: boolean;
            endpoint?: string;
            region?: string;
            profile?: string;
            pathStyle?: boolean;
            sse?: string;
            sseKmsKeyId?: string;
            jobs?: number;
          },
          cmd: Command,
        ) => {
          const { openRepo, addRemote } = await dataLib();
          const settings: Record<string, string> = {};
          if (opts.endpoint !== undefined) settings.endpoint = opts.endpoint;
          if (opts.region !== undefined) settings.region = opts.region;
          if (opts.profile !== undefined) settings.profile = opts.profile;
          if (opts.pathStyle) settings.path_style = 'true';
          if (opts.sse !== undefined) settings.sse = opts.sse;
          if (opts.sseKmsKeyId !== undefined) settings.sse_kms_key_id = opts.sseKmsKeyId;
          if (opts.jobs !== undefined) settings.jobs = String(opts.jobs);
          const r = addRemote(openRepo(cwdOf(cmd)), name, url, {
            makeDefault: opts.default,
            local: opts.local,
            settings,
          });
          print(`added remote ${r.name} -> ${r.url}${r.isDefault ? ' (default)' : ''}`);
        },
      ),
    );

  remote
    .command('modify')
    .description(
      'set one setting of a remote (url, jobs; for S3 also endpoint, region, profile, path_style, sse, sse_kms_key_id, and with --local access_key_id, secret_access_key, session_token; for a server, with --local, token)',
    )
    .argument('<name>')
    .argument('<key>')
    .argument('[value]')
    .option('--local', 'write to .mlo/config.local.yaml (git-ignored): required for secrets')
    .option('-u, --unset', 'remove the setting')
    .action(
      action(
        async (
          name: string,
          key: string,
          value: string | undefined,
          opts: { local?: boolean; unset?: boolean },
          cmd: Command,
        ) => {
          const { openRepo, modifyRemote } = await dataLib();
          modifyRemote(openRepo(cwdOf(cmd)), name, key, value, opts);
          const where = opts.local ? '.mlo/config.local.yaml' : '.mlo/config.yaml';
          print(`${opts.unset ? 'unset' : 'set'} ${name}.${key} in ${where}`);
        },
      ),
    );

  remote
    .command('list')
    .description('list remotes')
    .option('--json', 'print the remotes as JSON')
    .action(
      action(async (opts: { json?: boolean }, cmd: Command) => {
        const { openRepo, listRemotes } = await dataLib();
        const remotes = listRemotes(openRepo(cwdOf(cmd)));
        if (opts.json) return printJson({ remotes });
        if (remotes.length === 0)
          return print(
            'no remotes: add one with `mlo remote add <name> <dir, s3://bucket/prefix or http(s)://server>`',
          );
        print(
          renderTable(
            ['name', 'url', 'default', 'settings'],
            remotes.map((r) => [
              r.name,
              r.url,
              r.isDefault ? 'yes' : '',
              Object.entries(r.settings)
                .map(([k, v]) => `${k}=${String(v)}`)
                .join(' '),
            ]),
          ),
        );
      }),
    );

  remote
    .command('remove')
    .description('remove a remote from the config (its data is untouched)')
    .argument('<name>')
    .action(
      action(async (name: string, _opts: unknown, cmd: Command) => {
        const { openRepo, removeRemote } = await dataLib();
        removeRemote(openRepo(cwdOf(cmd)), name);
        print(`removed remote ${name}`);
      }),
    );

  remote
    .command('default')
    .description('set the default remote')
    .argument('<name>')
    .option('--local', 'for this machine only (.mlo/config.local.yaml)')
    .action(
      action(async (name: string, opts: { local?: boolean }, cmd: Command) => {
        const { openRepo, setDefaultRemote } = await dataLib();
        setDefaultRemote(openRepo(cwdOf(cmd)), name, { local: opts.local });
        print(`default remote: ${name}`);
      }),
    );
}
