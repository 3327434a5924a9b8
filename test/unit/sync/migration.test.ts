/**
 * Migration 015 on a store that already holds records: each gets a global id, the
 * change log lists them all (so a first push sends what was there before), and the
 * audits stay append-only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  appendAliasEvent,
  ensureModelRow,
  insertRun,
  insertVersionRow,
  MIGRATIONS,
  openStore,
} from '../../../src/store/index.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('migration 015 (sync)', () => {
  it('gives existing records gids, logs them, and keeps the audits append-only', () => {
    const d = mkdtempSync(join(tmpdir(), 'mlo-m15-'));
    dirs.push(d);
    const path = join(d, 'mlo.db');
    const before = MIGRATIONS.filter((m) => m.version < 15);
    const old = openStore(path, { migrations: before });
    for (let i = 0; i < 3; i++) {
      insertRun(old, {
        id: `${i}`.repeat(32),
        name: `r${i}`,
        experiment: 'e',
        startMs: i,
        host: 'h',
      });
    }
    old.db.transaction(() => {
      const m = ensureModelRow(old, 'churn', 1);
      insertVersionRow(old, m, {
        name: 'churn',
        hash: 'd'.repeat(64),
        size: 1,
        created_ms: 1,
        created_by: 'a',
        source: null,
        run_id: null,
        git_commit: null,
        git_dirty: null,
        signature_json: '{}',
        features_json: null,
        features_source: null,
        metrics_json: '{}',
        tags_json: '{}',
        lineage_json: '{}',
      });
      appendAliasEvent(old, m, {
        alias: 'champion',
        action: 'set',
        outcome: 'moved',
        from_version: null,
        to_version: 1,
        who: 'a',
        at_ms: 1,
        git_commit: null,
        gates_json: null,
        detail_json: null,
      });
    })();
    old.close();

    const s = openStore(path);
    try {
      const origin = s.db
        .prepare("SELECT value FROM meta WHERE key = 'store.origin'")
        .pluck()
        .get();
      expect(origin).toMatch(/^[0-9a-f]{32}$/);
      for (const table of ['models', 'model_versions', 'alias_events']) {
        const gids = s.db.prepare(`SELECT gid FROM ${table}`).pluck().all() as string[];
        expect(
          gids.every((g) => /^[0-9a-f]{32}$/.test(g)),
          table,
        ).toBe(true);
      }
      const logged = s.db
        .prepare('SELECT kind, count(*) FROM sync_log GROUP BY kind ORDER BY kind')
        .raw()
        .all();
      expect(logged).toEqual([
        ['alias_event', 1],
        ['model', 1],
        ['run', 3],
        ['version', 1],
      ]);
      // runs come first in the log, in the order they were made
      const runs = s.db
        .prepare("SELECT key FROM sync_log WHERE kind = 'run' ORDER BY seq")
        .pluck()
        .all();
      expect(runs).toEqual(['0'.repeat(32), '1'.repeat(32), '2'.repeat(32)]);
      expect(() => s.db.prepare("UPDATE alias_events SET who = 'x'").run()).toThrow(/append-only/);
      expect(() => s.db.prepare('DELETE FROM alias_events').run()).toThrow(/append-only/);
      // new rows get their gid from the trigger
      insertRun(s, { id: '9'.repeat(32), name: 'new', experiment: 'e', startMs: 9, host: 'h' });
      const last = s.db
        .prepare('SELECT kind, key FROM sync_log ORDER BY seq DESC LIMIT 1')
        .raw()
        .get();
      expect(last).toEqual(['run', '9'.repeat(32)]);
    } finally {
      s.close();
    }
  });
});
