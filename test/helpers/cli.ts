/**
 * End-to-end helpers: fresh temporary repositories with file trees written by a
 * small helper, and the built CLI run as a real subprocess.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { onTestFinished } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
export const MLO_BIN = join(ROOT, 'bin/mlo.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

const baseEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  NO_COLOR: '1',
  MLO_DEBUG: undefined,
  FORCE_COLOR: undefined,
});

/** Run the built CLI synchronously. */
export function mlo(args: string[], options: RunOptions): RunResult {
  const res = spawnSync(process.execPath, [MLO_BIN, ...args], {
    cwd: options.cwd,
    env: { ...baseEnv(), ...options.env },
    input: options.input,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 256 << 20,
  });
  if (res.error) throw res.error;
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** Run the built CLI without blocking the test (for concurrency and signals). */
export function mloAsync(
  args: string[],
  options: RunOptions,
): { child: ReturnType<typeof spawn>; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [MLO_BIN, ...args], {
    cwd: options.cwd,
    env: { ...baseEnv(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (options.input !== undefined) child.stdin.end(options.input);
  else child.stdin.end();
  const done = new Promise<RunResult>((res) =>
    child.on('close', (code, signal) => res({ code: code ?? (signal ? 128 : -1), stdout, stderr })),
  );
  return { child, done };
}

/** A temp directory removed when the current test finishes. */
export function tempDir(prefix = 'mlo-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  } catch {
    // called outside a test (beforeAll): caller cleans up
  }
  return dir;
}

export function git(cwd: string, ...args: string[]): string {
  const res = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout;
}

export function gitInit(dir: string): void {
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'user.name', 'mlo test');
  git(dir, 'config', 'commit.gpgsign', 'false');
}

export interface RepoOptions {
  git?: boolean;
  init?: boolean;
}

/** A fresh temporary project: a git repository with `mlo init` run in it. */
export function makeRepo(options: RepoOptions = {}): string {
  const dir = tempDir();
  if (options.git !== false) gitInit(dir);
  if (options.init !== false) {
    const r = mlo(['init'], { cwd: dir });
    if (r.code !== 0) throw new Error(`mlo init failed: ${r.stderr}`);
  }
  return dir;
}

export type Tree = Record<string, string | Buffer>;

export function writeTree(root: string, tree: Tree): void {
  for (const [rel, content] of Object.entries(tree)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}

export function parseJson<T = unknown>(r: RunResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${r.code}):\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}
