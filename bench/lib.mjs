// Shared helpers for the benchmarks: timing child processes, peak RSS, temp repos.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('..', import.meta.url).pathname;
export const MLO = join(ROOT, 'bin/mlo.js');

/** Run a command; returns wall time (ms), peak RSS (MB, via GNU time when present), stdout. */
export function timed(cmd, args, opts = {}) {
  const useTime = existsSync('/usr/bin/time') && !opts.noRss;
  const argv = useTime ? ['/usr/bin/time', '-f', '%M', cmd, ...args] : [cmd, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {
    cwd: opts.cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    shell: opts.shell ?? false,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  }
  let rssMb;
  if (useTime) {
    const lines = r.stderr.trim().split('\n');
    rssMb = Number(lines[lines.length - 1]) / 1024;
  }
  return { ms, rssMb, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

export const mlo = (args, opts) => timed(process.execPath, [MLO, ...args], opts);

export function sh(script, opts = {}) {
  return timed('bash', ['-c', script], { ...opts, noRss: true });
}

export function freshRepo(parent) {
  const dir = mkdtempSync(join(parent ?? tmpdir(), 'mlo-bench-'));
  spawnSync('git', ['init', '-q'], { cwd: dir });
  mlo(['init'], { cwd: dir, noRss: true });
  return dir;
}

export function workDir(name) {
  const dir = join(ROOT, 'bench/out', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
export const ratio = (a, b) => (a / b).toFixed(2);
