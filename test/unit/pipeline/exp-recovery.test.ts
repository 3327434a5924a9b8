/**
 * .mlo/recovery.json: files a command edits for a while are put back by the next
 * command once their owner is gone, and never while it lives.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MloError,
  openRepo,
  protectFiles,
  recoverInterrupted,
  setRecoveryNoticeHandler,
} from '../../../src/index.js';
import { tempRepo } from '../tracking/temp-repo.js';

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('recovery of files a killed command left edited', () => {
  it('restores the saved bytes (and removes files that did not exist) once the owner is dead', () => {
    const repo = tempRepo();
    const messages: string[] = [];
    setRecoveryNoticeHandler((m) => messages.push(m));
    const original = Buffer.from('# keep me\ntrain:\n  lr: 0.1\n\xff\n', 'latin1');
    writeFileSync(join(repo.root, 'params.yaml'), original);
    const guard = protectFiles(repo, 'mlo exp run', ['params.yaml', 'mlo.lock']);
    expect(guard.saved.get('mlo.lock')).toBeUndefined();
    writeFileSync(join(repo.root, 'params.yaml'), 'train:\n  lr: 0.5\n');
    writeFileSync(join(repo.root, 'mlo.lock'), 'schema: 1\n');
    // our own record: the owner (this process) lives, nothing happens
    expect(recoverInterrupted(repo)).toBeUndefined();
    expect(readFileSync(join(repo.root, 'params.yaml'), 'utf8')).toContain('0.5');
    // the same record, owned by a process that died
    const path = join(repo.dotDir, 'recovery.json');
    const record = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; host: string };
    record.pid = deadPid();
    expect(record.host).toBe(hostname());
    writeFileSync(path, JSON.stringify(record));
    const other = openRepo(repo.root);
    other.close();
    expect(readFileSync(join(repo.root, 'params.yaml'))).toEqual(original);
    expect(existsSync(join(repo.root, 'mlo.lock'))).toBe(false);
    expect(existsSync(path)).toBe(false);
    expect(messages).toEqual([
      `\`mlo exp run\` (pid ${record.pid}) was interrupted: restored params.yaml, mlo.lock to what they were before it ran`,
    ]);
    guard.release(); // the record is gone already: nothing to do
  });

  it('refuses a second owner while the first lives; moves an unreadable record aside', () => {
    const repo = tempRepo();
    setRecoveryNoticeHandler(() => undefined);
    writeFileSync(join(repo.root, 'params.yaml'), 'a: 1\n');
    const guard = protectFiles(repo, 'mlo exp run', ['params.yaml']);
    const path = join(repo.dotDir, 'recovery.json');
    const record = JSON.parse(readFileSync(path, 'utf8')) as { pid: number };
    // a live process that is not us (our parent, the test runner's shell or init)
    record.pid = process.ppid;
    writeFileSync(path, JSON.stringify(record));
    expect(() => protectFiles(repo, 'mlo exp run', ['params.yaml'])).toThrow(MloError);
    guard.release();
    writeFileSync(path, '{"pid": "x"');
    expect(recoverInterrupted(repo)).toBeUndefined();
    expect(existsSync(`${path}.bad`)).toBe(true);
    expect(existsSync(path)).toBe(false);
  });
});
