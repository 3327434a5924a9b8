/**
 * Owner-tagged temps (util/owner.ts, util/atomic.ts): a temp whose owner is dead is
 * removed at once, one whose owner runs is never touched, and a pid reused by
 * another process does not keep a dead owner's temp alive.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ownedTempName,
  sweepDeadTemps,
  tempOwnerOf,
  tempPathFor,
} from '../../../src/util/atomic.js';
import { ownerState, ownerTag, processStart, thisHost } from '../../../src/util/owner.js';

const dirs: string[] = [];
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'mlo-temps-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('owner tags', () => {
  it('names this process, which is alive', () => {
    expect(ownerTag()).toMatch(new RegExp(`^${process.pid}-[0-9a-z]+-${thisHost()}$`));
    expect(ownerState(ownerTag())).toBe('alive');
  });

  it('a running child is alive, then dead once killed', async () => {
    const child = spawn('sleep', ['30']);
    await new Promise((r) => child.once('spawn', r));
    const tag = `${child.pid}-${processStart(child.pid!)}-${thisHost()}`;
    expect(ownerState(tag)).toBe('alive');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(ownerState(tag)).toBe('dead');
  });

  it('the same pid with another start time is a different, dead owner (pid reuse)', () => {
    const [pid, start, host] = ownerTag().split('-');
    const other = Number.parseInt(start, 36) + 1;
    expect(ownerState(`${pid}-${other.toString(36)}-${host}`)).toBe('dead');
  });

  it("another machine's tag is unknown, not dead", () => {
    expect(ownerState(`${process.pid}-1-00000000`)).toBe(
      thisHost() === '00000000' ? 'alive' : 'unknown',
    );
  });

  it('temp names carry the tag and parse back', () => {
    expect(tempOwnerOf(tempPathFor('/x/data.v1.csv').split('/').pop()!)).toBe(ownerTag());
    expect(tempOwnerOf(ownedTempName('tmp', '.pack'))).toBe(ownerTag());
    expect(tempOwnerOf('.data.csv.123.abcd1234.tmp')).toBeUndefined(); // the old format
    // a very long name still fits the 255-byte limit of file names
    expect(
      tempPathFor(`/x/${'n'.repeat(250)}`)
        .split('/')
        .pop()!.length,
    ).toBeLessThan(160);
  });
});

describe('sweepDeadTemps', () => {
  it('removes the temps of dead owners, keeps live ones and everything else', () => {
    const dir = temp();
    const host = thisHost();
    const mine = tempPathFor(join(dir, 'mine.csv'));
    const dead = join(dir, `.x.csv.${deadPid()}-1a-${host}.0badc0de.tmp`);
    const reused = join(dir, `.y.csv.${process.pid}-1-${host}.0badc0de.tmp`);
    const deadPack = join(dir, `.tmp-${deadPid()}-2b-${host}-0123456789ab.pack`);
    const deadDir = join(dir, `.out.${deadPid()}-3c-${host}.0badc0de.tmp`);
    const data = join(dir, 'data.csv');
    for (const f of [mine, dead, reused, deadPack, data]) writeFileSync(f, 'x');
    mkdirSync(join(deadDir, 'sub'), { recursive: true });
    writeFileSync(join(deadDir, 'sub/f'), 'x');
    expect(sweepDeadTemps(dir)).toBe(4);
    expect(readdirSync(dir).sort()).toEqual([mine.split('/').pop(), 'data.csv'].sort());
  });

  it("waits out the grace period for temps it cannot judge (old names, other machines')", () => {
    const dir = temp();
    const legacy = join(dir, '.data.csv.123.abcd1234.tmp');
    const foreign = join(dir, `.z.1-1-00000000.0badc0de.tmp`);
    writeFileSync(legacy, 'x');
    writeFileSync(foreign, 'x');
    expect(sweepDeadTemps(dir, { graceMs: 60_000 })).toBe(thisHost() === '00000000' ? 1 : 0);
    const old = new Date(Date.now() - 120_000);
    utimesSync(legacy, old, old);
    utimesSync(foreign, old, old);
    expect(sweepDeadTemps(dir, { graceMs: 60_000 })).toBeGreaterThanOrEqual(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});
