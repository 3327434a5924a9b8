/**
 * Git hooks that keep data in step with git: checkout after switching branches or
 * merging, push data before pushing commits, and refuse a commit whose pointer
 * files are stale. The scripts are one-liners into `mlo hooks run`, so the logic
 * lives here and is tested here; a user's own hook is kept and runs first.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { MloError, isMloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { checkout, defaultRemoteName, push, status } from '../data/index.js';

export const HOOK_NAMES = ['post-checkout', 'post-merge', 'pre-push', 'pre-commit'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

const MARKER = '# mlo-managed hook';
const CHAINED_SUFFIX = '.pre-mlo';

export interface HookInstallResult {
  dir: string;
  installed: HookName[];
  unchanged: HookName[];
  /** user hooks kept and chained (renamed to <name>.pre-mlo) */
  chained: HookName[];
}

function hooksDir(repo: Repo): string {
  if (!repo.gitRoot) {
    throw new MloError(
      'USAGE',
      `${repo.root} is not inside a git repository: there are no git hooks to install`,
    );
  }
  const res = spawnSync('git', ['rev-parse', '--git-path', 'hooks'], {
    cwd: repo.root,
    encoding: 'utf8',
  });
  if (res.status !== 0)
    throw new MloError('INTERNAL', `git rev-parse failed: ${res.stderr.trim()}`);
  const p = res.stdout.trim();
  return isAbsolute(p) ? p : join(repo.root, p);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface InstallHooksOptions {
  /** the mlo launcher the hooks call (default: the running one) */
  mloBin?: string;
  nodeBin?: string;
}

function hookScript(name: HookName, options: InstallHooksOptions): string {
  const bin = options.mloBin ?? process.argv[1] ?? 'mlo';
  const node = options.nodeBin ?? process.execPath;
  return `#!/bin/sh
${MARKER} (installed by \`mlo hooks install\`; \`mlo hooks uninstall\` removes it).
# A hook that was here before is kept as ${name}${CHAINED_SUFFIX} and runs first.
hook_dir=$(dirname "$0")
if [ -x "$hook_dir/${name}${CHAINED_SUFFIX}" ]; then
  "$hook_dir/${name}${CHAINED_SUFFIX}" "$@" || exit $?
fi
if [ -f ${shellQuote(bin)} ] && [ -x ${shellQuote(node)} ]; then
  exec ${shellQuote(node)} ${shellQuote(bin)} hooks run ${name} "$@"
fi
exec mlo hooks run ${name} "$@"
`;
}

function isOurs(path: string): boolean {
  return existsSync(path) && readFileSync(path, 'utf8').includes(MARKER);
}

export function installHooks(repo: Repo, options: InstallHooksOptions = {}): HookInstallResult {
  const dir = hooksDir(repo);
  mkdirSync(dir, { recursive: true });
  const result: HookInstallResult = { dir, installed: [], unchanged: [], chained: [] };
  for (const name of HOOK_NAMES) {
    const path = join(dir, name);
    const script = hookScript(name, options);
    if (isOurs(path)) {
      if (readFileSync(path, 'utf8') === script) {
        result.unchanged.push(name);
        continue;
      }
    } else if (existsSync(path)) {
      const chained = path + CHAINED_SUFFIX;
      if (existsSync(chained)) {
        throw new MloError(
          'CONFLICT',
          `${path} and ${chained} both exist; refusing to overwrite either`,
          {
            hint: 'merge them by hand, then run `mlo hooks install` again',
          },
        );
      }
      renameSync(path, chained);
      result.chained.push(name);
    }
    writeFileAtomic(path, script, { mode: 0o755 });
    chmodSync(path, 0o755);
    result.installed.push(name);
  }
  return result;
}

export function uninstallHooks(repo: Repo): {
  dir: string;
  removed: HookName[];
  restored: HookName[];
} {
  const dir = hooksDir(repo);
  const out = { dir, removed: [] as HookName[], restored: [] as HookName[] };
  for (const name of HOOK_NAMES) {
    const path = join(dir, name);
    if (!isOurs(path)) continue;
    rmSync(path);
    out.removed.push(name);
    if (existsSync(path + CHAINED_SUFFIX)) {
      renameSync(path + CHAINED_SUFFIX, path);
      out.restored.push(name);
    }
  }
  return out;
}

export interface HookRunResult {
  exitCode: number;
  /** lines for stderr: hooks talk to the person running git */
  messages: string[];
}

export async function runHook(repo: Repo, name: string, _args: string[]): Promise<HookRunResult> {
  switch (name) {
    case 'post-checkout':
    case 'post-merge':
      return checkoutHook(repo);
    case 'pre-push':
      return prePushHook(repo);
    case 'pre-commit':
      return preCommitHook(repo);
    default:
      throw new MloError('USAGE', `unknown hook "${name}" (known: ${HOOK_NAMES.join(', ')})`);
  }
}

async function checkoutHook(repo: Repo): Promise<HookRunResult> {
  try {
    const r = await checkout(repo, { cwd: repo.root });
    const messages: string[] = [];
    if (r.restored.length) messages.push(`mlo: checked out ${r.restored.join(', ')}`);
    if (r.missing.length) {
      messages.push(
        `mlo: not in the cache, run \`mlo pull\`: ${r.missing.slice(0, 5).join(', ')}${r.missing.length > 5 ? ', ...' : ''}`,
      );
    }
    return { exitCode: 0, messages };
  } catch (err) {
    if (isMloError(err) && err.code === 'CONFLICT') {
      return { exitCode: 1, messages: [`mlo: ${err.message}`, `mlo: ${err.hint ?? ''}`] };
    }
    throw err;
  }
}

async function prePushHook(repo: Repo): Promise<HookRunResult> {
  if (defaultRemoteName(repo) === undefined) return { exitCode: 0, messages: [] };
  const r = await push(repo, { cwd: repo.root });
  const messages = [
    `mlo: pushed ${r.uploaded} object(s) to ${r.remote} (${r.skipped} already there)`,
  ];
  if (r.missingLocal.length) {
    messages.push(
      `mlo: cannot push data missing from the cache: ${r.missingLocal.slice(0, 5).join(', ')}`,
    );
    return { exitCode: 1, messages };
  }
  return { exitCode: 0, messages };
}

async function preCommitHook(repo: Repo): Promise<HookRunResult> {
  const stale = (await status(repo, { cwd: repo.root })).entries.filter(
    (e) => e.state === 'modified',
  );
  if (stale.length === 0) return { exitCode: 0, messages: [] };
  return {
    exitCode: 1,
    messages: [
      ...stale.map((e) => `mlo: ${e.path} changed since ${e.pointer} was written`),
      `mlo: record the new data with \`mlo add ${stale.map((e) => e.path).join(' ')}\` (or commit with --no-verify)`,
    ],
  };
}
