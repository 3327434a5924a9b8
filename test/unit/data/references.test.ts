/**
 * references.ts: one enumeration of what the repository references, per kind and
 * per git revision, as push/fetch/gc of remotes will use it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initRepo, openRepo, type Repo } from '../../../src/repo/index.js';
import { add, expandReferences, listReferences, sha256 } from '../../../src/data/index.js';
import { addObjectRefs } from '../../../src/store/index.js';

const opened: Repo[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const r of opened.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

async function project(): Promise<Repo> {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-refs-'));
  dirs.push(dir);
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 't@example.com');
  git(dir, 'config', 'user.name', 't');
  initRepo(dir);
  const repo = openRepo(dir);
  opened.push(repo);
  writeFileSync(join(dir, 'a.csv'), 'v1\n');
  await add(repo, ['a.csv'], { cwd: dir });
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'v1');
  writeFileSync(join(dir, 'a.csv'), 'v2\n');
  await add(repo, ['a.csv'], { cwd: dir });
  writeFileSync(
    join(dir, 'mlo.yaml'),
    'stages:\n  s:\n    cmd: x\n    outs: [o.bin]\n    metrics:\n      - m.json: {cache: false}\n',
  );
  const entry = (p: string, c: string): string =>
    `      - path: ${p}\n        hash: ${sha256(Buffer.from(c))}\n        size: ${c.length}\n`;
  writeFileSync(
    join(dir, 'mlo.lock'),
    `schema: 1\nstages:\n  s:\n    cmd: x\n    deps:\n${entry('in.csv', 'in')}    outs:\n${entry('o.bin', 'out')}    metrics:\n${entry('m.json', '{}')}`,
  );
  addObjectRefs(repo.store, [{ kind: 'baseline', owner: 'b1', hash: sha256(Buffer.from('b')) }]);
  return repo;
}

describe('listReferences', () => {
  it('lists pointer files and mlo.lock of the workspace, with who refers', async () => {
    const repo = await project();
    const refs = listReferences(repo, { kinds: ['pointer', 'lock'] });
    expect(refs.map((r) => [r.kind, r.where, r.cached])).toEqual([
      ['pointer', 'a.csv', true],
      ['lock', 'mlo.lock: stage s: o.bin', true],
      ['lock', 'mlo.lock: stage s: m.json', false], // declared cache: false
      ['lock', 'mlo.lock: stage s (dependency): in.csv', false],
    ]);
    expect(refs[0].hash).toBe(sha256(Buffer.from('v2\n')));
  });

  it('reads pointer files at a git revision', async () => {
    const repo = await project();
    const atHead = listReferences(repo, { kinds: ['pointer'], rev: 'HEAD' });
    expect(atHead).toEqual([
      expect.objectContaining({ where: 'HEAD:a.csv', hash: sha256(Buffer.from('v1\n')) }),
    ]);
    expect(() => listReferences(repo, { kinds: ['pointer'], rev: 'nope' })).toThrow(
      /nope: not a git revision/,
    );
  });

  it('per kind: only what was asked; other object_refs kinds come back as theirs', async () => {
    const repo = await project();
    expect(listReferences(repo, { kinds: ['model', 'run', 'stage-cache'] })).toEqual([]);
    expect(listReferences(repo, { kinds: ['baseline'] })).toEqual([
      expect.objectContaining({ kind: 'baseline', where: 'baseline b1' }),
    ]);
    const all = listReferences(repo, { allCommits: true, kinds: ['pointer'] });
    expect(new Set(all.map((r) => r.hash)).size).toBe(2); // v2 in the workspace, v1 in history
    const { hashes } = expandReferences(repo, all);
    expect(hashes.has(sha256(Buffer.from('v1\n')))).toBe(true);
  });
});
