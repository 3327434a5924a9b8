/**
 * `mlo deploy docker` without a Docker engine: the build context is written, then the
 * image's file tree is put together the way its Dockerfile says (the packages `npm ci`
 * would install are copied from this checkout's node_modules at the locked versions,
 * and the Dockerfile's own pruning step runs on them), and the image's command serves
 * from it as an unprivileged user with nothing writable but the state directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { churnProbability, churnRepo, W1 } from '../helpers/churn.js';
import { mlo, parseJson, ROOT, tempDir } from '../helpers/cli.js';
import { parseDockerfile } from '../unit/deploy/dockerfile-rules.js';

interface ContextJson {
  path: string;
  baseImage: string;
  dependencies: Record<string, string>;
}

const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';
const arch = process.arch === 'arm64' ? 'arm64' : 'x64';

/** What `npm ci` leaves in the build stage, from this checkout's installed packages. */
function installLike(lockFile: string, dest: string): void {
  const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
    packages: Record<string, { version?: string }>;
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '') continue;
    const src = join(ROOT, path);
    const installed = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(installed.version, path).toBe(entry.version);
    if (path === 'node_modules/onnxruntime-node') {
      // every platform's binaries, as the package ships them; only ours are real here
      cpSync(src, join(dest, path), {
        recursive: true,
        filter: (p) => !p.startsWith(join(src, 'bin')),
      });
      for (const platform of [
        'darwin/arm64',
        'linux/arm64',
        'linux/x64',
        'win32/x64',
        'win32/arm64',
      ]) {
        const dir = join(dest, ORT_BIN, platform);
        mkdirSync(dir, { recursive: true });
        if (platform === `linux/${arch}`)
          cpSync(join(src, 'bin/napi-v6', platform), dir, { recursive: true });
        else writeFileSync(join(dir, 'onnxruntime_binding.node'), 'another platform');
      }
      continue;
    }
    cpSync(src, join(dest, path), { recursive: true, dereference: true });
  }
}

function sizeOf(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((n, name) => n + sizeOf(join(path, name)), 0);
}

/** Every file under `dir` changed since `since` (ms), relative paths. */
function changedSince(dir: string, since: number, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...changedSince(p, since, `${prefix}${name}/`));
    else if (st.mtimeMs >= since) out.push(`${prefix}${name}`);
  }
  return out;
}

describe('mlo deploy docker', () => {
  it('writes a build context whose image tree serves read-only as a non-root user', async () => {
    const repo = await churnRepo();
    const ctx = parseJson<ContextJson>(
      mlo(['deploy', 'docker', 'churn@champion', 'image', '--json'], { cwd: repo }),
    );
    expect(readdirSync(ctx.path).sort()).toEqual(['.dockerignore', 'Dockerfile', 'bundle', 'mlo']);
    expect(ctx.baseImage).toBe(`node:${process.versions.node}-bookworm-slim`);
    const again = mlo(['deploy', 'docker', 'churn@champion', 'image'], { cwd: repo });
    expect(again.code).toBe(1);
    expect(mlo(['deploy', 'docker', 'churn@2', 'image', '--force'], { cwd: repo }).code).toBe(0);
    expect(mlo(['deploy', 'docker', 'churn@1', 'image', '--force'], { cwd: repo }).code).toBe(0);
    const latest = mlo(['deploy', 'docker', 'churn@1', 'x', '--base-image', 'node:latest'], {
      cwd: repo,
    });
    expect(latest.code).toBe(2);
    expect(latest.stderr).toMatch(/--base-image node:latest: not a pinned image reference/);

    const dockerfile = parseDockerfile(readFileSync(join(ctx.path, 'Dockerfile'), 'utf8'));
    const runs = dockerfile.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    const env = Object.fromEntries(
      dockerfile
        .filter((i) => i.keyword === 'ENV')
        .flatMap((i) => i.args.split(/\s+/).map((kv) => kv.split('=') as [string, string])),
    );
    const cmd = [
      ...(JSON.parse(dockerfile.find((i) => i.keyword === 'ENTRYPOINT')!.args) as string[]),
      ...(JSON.parse(dockerfile.find((i) => i.keyword === 'CMD')!.args) as string[]),
    ];
    const health = JSON.parse(
      dockerfile.find((i) => i.keyword === 'HEALTHCHECK')!.args.replace(/^.*?CMD\s+/, ''),
    ) as string[];

    // build stage: npm ci (here: the locked packages copied), then the Dockerfile's pruning
    const work = tempDir();
    const deps = join(work, 'deps');
    mkdirSync(deps);
    installLike(join(ctx.path, 'mlo/package-lock.json'), deps);
    const prune = spawnSync('sh', ['-ec', runs[1]], {
      cwd: deps,
      env: { ...process.env, TARGETARCH: arch === 'x64' ? 'amd64' : 'arm64' },
      encoding: 'utf8',
    });
    expect(prune.status, prune.stderr).toBe(0);
    expect(readdirSync(join(deps, ORT_BIN, 'linux'))).toEqual([arch]);
    expect(readdirSync(join(deps, ORT_BIN)).sort()).toEqual(['darwin', 'linux', 'win32']);
    expect(readdirSync(join(deps, ORT_BIN, 'darwin'))).toEqual([]);
    expect(readdirSync(join(deps, 'node_modules/better-sqlite3/build/Release'))).toEqual([
      'better_sqlite3.node',
    ]);

    // runtime stage: COPY node_modules, mlo/, bundle/ into /opt/mlo
    const app = join(work, 'opt/mlo');
    mkdirSync(app, { recursive: true });
    cpSync(join(deps, 'node_modules'), join(app, 'node_modules'), { recursive: true });
    cpSync(join(ctx.path, 'mlo'), app, { recursive: true });
    cpSync(join(ctx.path, 'bundle'), join(app, 'bundle'), { recursive: true });
    const layers = sizeOf(app);
    console.log(
      `image layers over the base image: ${(layers / 2 ** 20).toFixed(1)} MiB ` +
        `(node_modules ${(sizeOf(join(app, 'node_modules')) / 2 ** 20).toFixed(1)} MiB, ` +
        `mlo ${(sizeOf(join(app, 'dist')) / 2 ** 20).toFixed(1)} MiB)`,
    );
    // other platforms' onnxruntime binaries (~240 MB) must never reach the image
    expect(layers).toBeLessThan(120 * 2 ** 20);

    // the state directory is the only writable place; everything else belongs to root
    const state = join(work, 'var/lib/mlo');
    mkdirSync(join(state, 'tmp'), { recursive: true });
    const asRoot = process.getuid?.() === 0;
    const user = asRoot ? { uid: 65534, gid: 65534 } : {};
    if (asRoot) {
      chownSync(state, 65534, 65534);
      chownSync(join(state, 'tmp'), 65534, 65534);
      chmodSync(work, 0o755);
    } else {
      spawnSync('chmod', ['-R', 'a-w', app]);
      onTestFinished(() => void spawnSync('chmod', ['-R', 'u+w', app]));
    }
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const [node, bin, ...args] = cmd;
    expect(node).toBe('node');
    const serveArgs = args.map((a) => (a === '8080' ? '0' : a === '0.0.0.0' ? '127.0.0.1' : a));
    const child = spawn(
      process.execPath,
      [join(work, bin), ...serveArgs.map((a) => a.replace('/opt/mlo', app))],
      {
        cwd: app,
        env: {
          PATH: process.env.PATH,
          HOME: '/nonexistent',
          ...env,
          MLO_STATE_DIR: state,
          TMPDIR: join(state, 'tmp'),
        },
        ...user,
      },
    );
    onTestFinished(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => resolve(code)),
    );
    const url = await new Promise<string>((resolve, reject) => {
      const poll = setInterval(() => {
        const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (m) {
          clearInterval(poll);
          resolve(m[1]);
        }
      }, 20);
      void exited.then((code) => {
        clearInterval(poll);
        reject(new Error(`the image's command exited ${code}: ${err}`));
      });
    });
    const x = [41, 3, 72];
    const res = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [{ age: x[0], tenure: x[1], spend: x[2] }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { probabilities: number[][] };
    expect(body.probabilities[0][1]).toBeCloseTo(churnProbability(W1, x), 5);

    // the image's HEALTHCHECK command, pointed at this port
    const port = new URL(url).port;
    const check = spawnSync(
      process.execPath,
      health.slice(1).map((a) => a.replace(':8080/', `:${port}/`)),
      {
        encoding: 'utf8',
      },
    );
    expect(check.status, check.stderr).toBe(0);

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toMatch(/1 row\(s\) written, 0 dropped/);
    expect(changedSince(app, started)).toEqual([]);
    expect(changedSince(state, started).some((f) => f.startsWith('.mlo/mlo.db'))).toBe(true);
    expect(existsSync(join(state, '.mlo/state.yaml'))).toBe(true);
  });
});
