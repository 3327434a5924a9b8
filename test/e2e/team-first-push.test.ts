/**
 * Clones pushing to a new server at the same moment, each with a write token: every
 * push succeeds and every object arrives. Each client proposes the server's objects
 * epoch on its first push; the first one stays and the others adopt it (they once got
 * 403 "replacing the objects epoch needs the admin scope", and a shared temp name made
 * some writes fail). bench/server-sync.mjs hit that with 25 clients; here the second
 * test pins the rule at the HTTP level, and test/unit/server/objects-epoch.test.ts the
 * concurrent writes, since six processes rarely collide on two cores.
 */
import { describe, expect, it } from 'vitest';
import { gitInit, mlo, mloAsync, tempDir, writeTree } from '../helpers/cli.js';
import { call, startHub } from '../helpers/hub.js';

const CLONES = 6;

describe('first pushes to a new server', () => {
  it('from several clones at once all succeed, and all agree on the objects epoch', async () => {
    const hub = await startHub();
    const token = hub.token('ci', 'write');
    const env = { MLO_TOKEN: token };
    const dirs: string[] = [];
    for (let i = 0; i < CLONES; i++) {
      const dir = tempDir('mlo-first-push-');
      gitInit(dir);
      for (const args of [['init'], ['remote', 'add', 'team', hub.url]]) {
        expect(mlo(args, { cwd: dir, env }).code).toBe(0);
      }
      writeTree(dir, { [`data/part-${i}.csv`]: `x\n${i}\n` });
      expect(mlo(['add', 'data'], { cwd: dir, env }).code).toBe(0);
      dirs.push(dir);
    }
    const results = await Promise.all(
      dirs.map((cwd) => mloAsync(['push', '--json'], { cwd, env }).done),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const epoch = (await call(hub, 'GET', '/api/objects-epoch', { token })).body as {
      epoch: string;
    };
    expect(epoch.epoch).toMatch(/^[0-9a-f]+$/);
    // a second push from each clone finds everything there (its index names that epoch)
    for (const cwd of dirs) {
      const again = mlo(['push', '--json'], { cwd, env });
      expect(again.code, again.stderr).toBe(0);
      expect((JSON.parse(again.stdout) as { uploaded: number }).uploaded).toBe(0);
    }
  }, 120_000);

  it('a write token cannot replace an existing epoch; it is answered with the one that stays', async () => {
    const hub = await startHub();
    const write = hub.token('w', 'write');
    const admin = hub.token('a', 'admin');
    const put = async (epoch: string, token: string): Promise<unknown> =>
      (await call(hub, 'PUT', '/api/objects-epoch', { token, body: { epoch } })).body;
    expect(await put('aa11aa11', write)).toEqual({ epoch: 'aa11aa11' });
    expect(await put('bb22bb22', write)).toEqual({ epoch: 'aa11aa11' });
    expect((await call(hub, 'GET', '/api/objects-epoch', { token: write })).body).toEqual({
      epoch: 'aa11aa11',
    });
    // replacing is gc's, with the admin scope
    expect(await put('cc33cc33', admin)).toEqual({ epoch: 'cc33cc33' });
  });
});
