/** Temp repositories and files for registry, eval and promote tests (real SQLite, real git). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { initRepo, openRepo, type Repo } from '../../../src/repo/index.js';

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** A fresh mlo repository (inside a git repo with one commit unless git: false). */
export function tempRepo(options: { git?: boolean } = {}): { dir: string; repo: Repo } {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-reg-'));
  if (options.git !== false) {
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'config', 'user.name', 'Ada Tester');
    git(dir, 'config', 'user.email', 'ada@example.com');
    git(dir, 'config', 'commit.gpgsign', 'false');
    writeFileSync(join(dir, 'README'), 'x\n');
    git(dir, 'add', 'README');
    git(dir, 'commit', '-q', '-m', 'init');
  }
  initRepo(dir);
  const repo = openRepo(dir);
  onTestFinished(() => {
    repo.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, repo };
}

export function writeFile(dir: string, name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** CSV text from a header and rows (values written with String()). */
export function csv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return (
    [header.join(','), ...rows.map((r) => r.map((v) => String(v)).join(','))].join('\n') + '\n'
  );
}
