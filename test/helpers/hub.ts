/**
 * A real `mlo server` for end-to-end tests: a bare store in a temp directory, the
 * built CLI serving it as a child process on a free loopback port, and tokens made
 * with `mlo server token create`. The process can be stopped, killed with SIGKILL and
 * started again on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { MLO_BIN, mlo, parseJson, tempDir } from './cli.js';

export interface Hub {
  dir: string;
  url: string;
  port: number;
  child: ChildProcess;
  /** output of the server so far (for failure messages) */
  log(): string;
  token(name: string, scope: 'read' | 'write' | 'admin'): string;
  /** SIGTERM and wait */
  stop(): Promise<void>;
  /** SIGKILL and wait: nothing is flushed, nothing closed */
  kill9(): Promise<void>;
  /** start again on the same port (after stop or kill9) */
  restart(): Promise<void>;
}

type Env = Record<string, string | undefined>;

function startChild(
  dir: string,
  port: number,
  args: string[],
  env: Env = {},
): Promise<{ child: ChildProcess; url: string; port: number; out: () => string }> {
  const child = spawn(
    process.execPath,
    [MLO_BIN, 'server', '--store', dir, '--port', String(port), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /on (https?:\/\/[^\s]+) \(/.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.on('data', (x: Buffer) => (out += x.toString()));
        resolve({ child, url: m[1], port: Number(new URL(m[1]).port), out: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`mlo server exited (${code}):\n${out}`)));
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface HubOptions {
  /** flags for `mlo server` */
  args?: string[];
  /** flags for `mlo server init DIR` (e.g. --objects s3://... --endpoint ...) */
  initArgs?: string[];
  /** environment of `mlo server init` and of the server (e.g. AWS_* for S3 objects) */
  env?: Env;
  suite?: boolean;
}

/**
 * Start a hub. It is killed when the test ends; with `suite: true` (started in
 * beforeAll) the caller stops it in afterAll instead.
 */
export async function startHub(options: HubOptions = {}): Promise<Hub> {
  const root = tempDir('mlo-hub-');
  const dir = join(root, 'hub');
  const init = mlo(['server', 'init', dir, ...(options.initArgs ?? [])], {
    cwd: root,
    env: options.env,
  });
  if (init.code !== 0) throw new Error(`server init failed: ${init.stderr}`);
  const args = options.args ?? [];
  const env = options.env ?? {};
  let current = await startChild(dir, 0, args, env);
  const hub: Hub = {
    dir,
    url: current.url,
    port: current.port,
    child: current.child,
    log: () => current.out(),
    token(name, scope) {
      const r = mlo(
        ['server', 'token', 'create', '--store', dir, '--name', name, '--scope', scope, '--json'],
        {
          cwd: root,
        },
      );
      if (r.code !== 0) throw new Error(`token create failed: ${r.stderr}`);
      return parseJson<{ token: string }>(r).token;
    },
    async stop() {
      current.child.kill('SIGTERM');
      await waitExit(current.child);
    },
    async kill9() {
      current.child.kill('SIGKILL');
      await waitExit(current.child);
    },
    async restart() {
      current = await startChild(dir, hub.port, args, env);
      hub.child = current.child;
    },
  };
  if (!options.suite)
    onTestFinished(async () => {
      if (hub.child.exitCode === null && hub.child.signalCode === null) {
        hub.child.kill('SIGKILL');
        await waitExit(hub.child);
      }
    });
  return hub;
}

/** A JSON request to the hub (fetch), the status and the parsed body. */
export async function call(
  hub: { url: string },
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    headers: {
      ...(options.token && { authorization: `Bearer ${options.token}` }),
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}
