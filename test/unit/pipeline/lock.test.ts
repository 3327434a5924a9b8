import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLock, serializeLock, type LockFile, type StageLock } from '../../../src/index.js';
import { tempRepo } from '../tracking/temp-repo.js';

const h = (c: string): string => c.repeat(64);

function stage(overrides: Partial<StageLock> = {}): StageLock {
  return {
    cmd: ['python train.py'],
    env: {},
    deps: [
      { path: 'src/train.py', hash: h('b'), size: 10 },
      { path: 'data', hash: h('a'), size: 300, type: 'dir', files: 3 },
    ],
    params: { 'params.yaml': { 'train.lr': 0.1, 'train.b': { z: 1, a: [2, 1] } } },
    outs: [{ path: 'model.pkl', hash: h('c'), size: 5 }],
    metrics: [],
    ...overrides,
  };
}

describe('mlo.lock', () => {
  it('is sorted and byte-stable whatever order entries arrive in', () => {
    const a: LockFile = new Map([
      ['train', stage()],
      ['prepare', stage({ cmd: ['a', 'b'], params: {} })],
    ]);
    const b: LockFile = new Map([
      ['prepare', stage({ cmd: ['a', 'b'], params: {} })],
      ['train', stage({ deps: [...stage().deps].reverse() })],
    ]);
    const text = serializeLock(a);
    expect(serializeLock(b)).toBe(text);
    expect(text.indexOf('prepare:')).toBeLessThan(text.indexOf('train:'));
    expect(text.indexOf('path: data')).toBeLessThan(text.indexOf('path: src/train.py'));
    // params keys sorted at every level
    expect(text).toMatch(/train\.b:\n\s+a:\n\s+- 2\n\s+- 1\n\s+z: 1\n\s+train\.lr: 0\.1/);
    // a directory entry has the pointer-file shape gc reads
    expect(text).toContain(
      `path: data\n        hash: ${h('a')}\n        size: 300\n        type: dir\n        files: 3`,
    );
  });

  it('reads back what it wrote', () => {
    const repo = tempRepo();
    const lock: LockFile = new Map([['train', stage()]]);
    writeFileSync(join(repo.root, 'mlo.lock'), serializeLock(lock));
    const back = readLock(repo);
    expect(serializeLock(back)).toBe(serializeLock(lock));
    expect(back.get('train')?.deps.find((d) => d.path === 'data')).toEqual({
      path: 'data',
      hash: h('a'),
      size: 300,
      type: 'dir',
      files: 3,
    });
  });

  it('refuses a malformed lock with file:line:col', () => {
    const repo = tempRepo();
    writeFileSync(
      join(repo.root, 'mlo.lock'),
      'schema: 1\nstages:\n  a:\n    cmd: x\n    outs:\n      - path: m\n        hash: nothex\n        size: 1\n',
    );
    expect(() => readLock(repo)).toThrow(
      /^mlo\.lock:7:15: stages\.a\.outs\[0\]\.hash: must be a 64-character/,
    );
  });
});
