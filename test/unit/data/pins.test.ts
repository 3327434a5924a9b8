/**
 * The pin protocol of data/pins.ts against a real store: a pinned object survives
 * gc, pins of dead owners stop protecting and are cleared, a pin made while a gc
 * runs is seen by that gc's next batch, and only one gc runs at a time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initRepo, openRepo, type Repo } from '../../../src/repo/index.js';
import { cacheOf, gc, pinObjects, sha256 } from '../../../src/data/index.js';
import { GcSession } from '../../../src/data/pins.js';
import { insertPin, listPins, setGcLock } from '../../../src/store/index.js';
import { processStart, thisHost } from '../../../src/util/owner.js';

const opened: Repo[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const r of opened.splice(0)) r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function repo(): Repo {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-pins-'));
  dirs.push(dir);
  initRepo(dir);
  const r = openRepo(dir);
  opened.push(r);
  return r;
}

function put(r: Repo, text: string): string {
  const h = sha256(Buffer.from(text));
  cacheOf(r).putBuffer(h, Buffer.from(text));
  return h;
}

const present = (r: Repo, h: string): boolean => existsSync(cacheOf(r).loosePath(h));

function deadTag(): string {
  const pid = Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    }).stdout,
  );
  return `${pid}-1-${thisHost()}`;
}

describe('pins', () => {
  it('gc keeps an object pinned by a live process and deletes an unpinned one', () => {
    const r = repo();
    const kept = put(r, 'pinned');
    const gone = put(r, 'garbage');
    pinObjects(r, [kept]);
    const res = gc(r);
    expect(res.objects).toEqual([gone]);
    expect(present(r, kept)).toBe(true);
  });

  it("a dead owner's pin protects nothing and gc clears it", () => {
    const r = repo();
    const h = put(r, 'orphan');
    insertPin(r.store, deadTag(), Buffer.from(h, 'hex'), Date.now());
    expect(gc(r).objects).toEqual([h]);
    expect(listPins(r.store)).toEqual([]);
  });

  it('a pin made after a gc started is seen by its next batch', () => {
    const r = repo();
    const h = put(r, 'late writer');
    const session = GcSession.begin(r);
    try {
      expect(session.pinned.has(h)).toBe(false);
      const writer = openRepo(r.root);
      opened.push(writer);
      pinObjects(writer, [h]);
      expect(session.readNewPins().has(h)).toBe(true);
      expect(session.pinned.has(h)).toBe(true);
    } finally {
      session.end();
    }
  });

  it('one gc at a time; dead pins are kept while a live gc runs, cleared after', async () => {
    const r = repo();
    const child = spawn('sleep', ['30']);
    await new Promise((res) => child.once('spawn', res));
    try {
      setGcLock(r.store, `${child.pid}-${processStart(child.pid!)}-${thisHost()}`, Date.now());
      expect(() => gc(r)).toThrow(/another mlo gc is running \(process \d+\)/);
      insertPin(r.store, deadTag(), Buffer.from(sha256(Buffer.from('x')), 'hex'), Date.now());
      pinObjects(r, [sha256(Buffer.from('y'))]); // would clear dead pins, but a gc runs
      expect(listPins(r.store)).toHaveLength(2);
    } finally {
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
    }
    pinObjects(r, [sha256(Buffer.from('z'))]); // the gc's owner is dead now: cleanup runs
    expect(listPins(r.store)).toHaveLength(2); // this process's two pins remain
    expect(gc(r).dryRun).toBe(false);
  });
});
