/**
 * The server's objects epoch under concurrent writers in one process: every write
 * completes and the file holds one whole epoch (writes once shared a temp name, so a
 * rename could find its file already moved by another request).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initServerStore, openBareRepo } from '../../../src/server/index.js';
import { DirServerObjects } from '../../../src/server/objects.js';

const dir = mkdtempSync(join(tmpdir(), 'mlo-epoch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('objects epoch', () => {
  it('survives many writes at once from one process', async () => {
    initServerStore(join(dir, 'hub'));
    const repo = openBareRepo(join(dir, 'hub'));
    try {
      const objects = new DirServerObjects(repo);
      const epochs = Array.from({ length: 40 }, (_, i) => (0x10000000 + i).toString(16));
      const results = await Promise.allSettled(epochs.map((e) => objects.writeEpoch(e)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const kept = await objects.readEpoch();
      expect(epochs).toContain(kept);
      expect(readFileSync(join(dir, 'hub', 'objects-epoch'), 'utf8').trim()).toBe(kept);
    } finally {
      repo.close();
    }
  });
});
