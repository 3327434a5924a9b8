/** `mlo deploy docker|k8s`: container build contexts and Kubernetes manifests for a model version. */
import { InvalidArgumentError, type Command } from 'commander';
import { MloError } from '../errors.js';
import { formatBytes } from '../util/fs.js';
import { action, cwdOf, lib, parsePositiveInt } from './common.js';
import { print, printJson } from './render/output.js';

function parsePercent(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 99) {
    throw new InvalidArgumentError(
      `--canary must be a whole percentage from 1 to 99, got "${value}"`,
    );
  }
  return n;
}

export function registerDeployCommands(program: Command): void {
  const deploy = program
    .command('deploy')
    .description('ship a model version: a Docker build context, Kubernetes or KServe manifests');

  deploy
    .command('docker')
    .description(
      'write a Docker build context: Dockerfile, .dockerignore, the model bundle and mlo itself',
    )
    .argument('<ref>', 'NAME, NAME@VERSION or NAME@ALIAS')
    .argument('[dir]', 'the build context to write (default: NAME-image)')
    .option(
      '--base-image <image>',
      'runtime image, pinned (default: node:<this Node version>-bookworm-slim)',
    )
    .option(
      '--build-image <image>',
      'build-stage image, pinned (default: node:<this Node version>-bookworm)',
    )
    .option('--force', 'replace a build context written before')
    .option('--json', 'print the result as JSON')
    .action(
      action(
        async (
          ref: string,
          dir: string | undefined,
          opts: { baseImage?: string; buildImage?: string; force?: boolean; json?: boolean },
          cmd: Command,
        ) => {
          const { openRepo, writeDockerContext, parseModelRef } = await lib();
          const cwd = cwdOf(cmd);
          const repo = openRepo(cwd);
          try {
            const out = dir ?? `${parseModelRef(ref).name}-image`;
            const r = await writeDockerContext(repo, ref, out, {
              cwd,
              force: opts.force,
              baseImage: opts.baseImage,
              buildImage: opts.buildImage,
            });
            if (opts.json) return printJson(r);
            const deps = Object.entries(r.dependencies)
              .map(([n, v]) => `${n}@${v}`)
              .join(', ');
            print(`wrote the build context of ${r.name}@${r.version} (${r.ref}) to ${r.path}`);
            print(`  images: ${r.buildImage} (build), ${r.baseImage} (runtime)`);
            print(`  installs: ${deps}; mlo's bundled CLI: ${formatBytes(r.cliBytes)}`);
            print(`  docker build -t ${r.name}:${r.version} ${r.path}`);
          } finally {
            repo.close();
          }
        },
      ),
    );

  deploy
    .command('k8s')
    .description(
      'write Kubernetes manifests (Deployment, Service, HPA, PodDisruptionBudget, ServiceMonitor) or a KServe InferenceService',
    )
    .argument('<ref>', 'NAME, NAME@VERSION or NAME@ALIAS')
    .requiredOption(
      '--image <image>',
      'the image built from `mlo deploy docker`, pinned (tag or digest)',
    )
    .option('--kserve', 'a KServe InferenceService with the image as a custom predictor')
    .option(
      '--canary <pct>',
      'with --kserve: send PCT% of traffic to this revision, the rest to the previous one',
      parsePercent,
    )
    .option('--name <name>', 'object names and app label (default: from the model name)')
    .option('--namespace <ns>', 'namespace of the objects (default: none: kubectl -n decides)')
    .option(
      '--replicas <n>',
      'replicas, and the autoscaler floor (default 2; KServe 1)',
      parsePositiveInt('--replicas'),
    )
    .option(
      '--max-replicas <n>',
      'the autoscaler ceiling (default 10)',
      parsePositiveInt('--max-replicas'),
    )
    .option('--out <file>', 'write the YAML to FILE instead of stdout')
    .option('--force', 'replace --out FILE')
    .option('--json', 'print {"objects": [...]} instead of YAML')
    .action(
      action(
        async (
          ref: string,
          opts: {
            image: string;
            kserve?: boolean;
            canary?: number;
            name?: string;
            namespace?: string;
            replicas?: number;
            maxReplicas?: number;
            out?: string;
            force?: boolean;
            json?: boolean;
          },
          cmd: Command,
        ) => {
          if (opts.canary !== undefined && !opts.kserve) {
            throw new MloError('USAGE', '--canary goes with --kserve', {
              hint: 'without KServe, run the canary with `mlo serve --canary` or a second Deployment',
            });
          }
          const { openRepo, renderManifests, writeManifestFile } = await lib();
          const cwd = cwdOf(cmd);
          const repo = openRepo(cwd);
          try {
            const r = renderManifests(repo, ref, {
              image: opts.image,
              kserve: opts.kserve,
              canaryPercent: opts.canary,
              name: opts.name,
              namespace: opts.namespace,
              replicas: opts.replicas,
              maxReplicas: opts.maxReplicas,
            });
            if (opts.out !== undefined) {
              const path = writeManifestFile(cwd, opts.out, r.yaml, opts.force === true);
              if (opts.json) return printJson({ path, objects: r.objects });
              print(
                `wrote ${r.objects.map((o) => o.kind).join(', ')} for ${r.name}@${r.version} to ${path}`,
              );
              return;
            }
            if (opts.json) return printJson({ objects: r.objects });
            process.stdout.write(r.yaml);
          } finally {
            repo.close();
          }
        },
      ),
    );
}
