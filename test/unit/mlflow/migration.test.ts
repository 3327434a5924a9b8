/**
 * Migration 010 on a store written by the previous schema: section params stored as
 * one JSON blob become dotted leaf keys (and are found by filters), runs get their
 * experiment records, experiment 0 "Default" exists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MIGRATIONS, openStore } from '../../../src/store/index.js';

describe('migration 010 (mlflow)', () => {
  it('flattens section params and files runs under experiment records', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlo-mig-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'mlo.db');
    const before = MIGRATIONS.filter((m) => m.version < 10);
    const old = openStore(path, { migrations: before });
    const insert = old.db.prepare(
      `INSERT INTO runs (id, name, experiment, status, start_ms, host) VALUES (?, ?, ?, 'finished', ?, 'h')`,
    );
    insert.run('a'.repeat(32), 'r1', 'default', 1);
    insert.run('b'.repeat(32), 'r2', 'sweeps', 2);
    const p = old.db.prepare('INSERT INTO run_params (run, key, value, num) VALUES (?, ?, ?, ?)');
    p.run(
      1,
      'train',
      JSON.stringify({ C: 1, model: 'logistic', opt: { lr: 0.1 }, cols: ['a'] }),
      null,
    );
    p.run(1, 'seed', '42', 42);
    p.run(2, 'note', '{not json', null);
    old.db
      .prepare(
        `UPDATE runs SET params_json = (SELECT json_group_object(key, value) FROM run_params WHERE run = seq)`,
      )
      .run();
    old.close();

    const s = openStore(path);
    onTestFinished(() => s.close());
    const params = s.db
      .prepare('SELECT key, value, num FROM run_params WHERE run = 1 ORDER BY key')
      .all();
    expect(params).toEqual([
      { key: 'seed', value: '42', num: 42 },
      { key: 'train.C', value: '1', num: 1 },
      { key: 'train.cols', value: '["a"]', num: null },
      { key: 'train.model', value: 'logistic', num: null },
      { key: 'train.opt.lr', value: '0.1', num: 0.1 },
    ]);
    expect(
      JSON.parse(
        s.db.prepare('SELECT params_json FROM runs WHERE seq = 1').pluck().get() as string,
      ),
    ).toEqual({
      seed: '42',
      'train.C': '1',
      'train.cols': '["a"]',
      'train.model': 'logistic',
      'train.opt.lr': '0.1',
    });
    expect(s.db.prepare('SELECT value FROM run_params WHERE run = 2').pluck().get()).toBe(
      '{not json',
    );
    expect(s.db.prepare('SELECT id, name FROM experiments ORDER BY id').all()).toEqual([
      { id: 0, name: 'Default' },
      { id: 1, name: 'sweeps' },
    ]);
    expect(s.db.prepare('SELECT experiment_id FROM runs ORDER BY seq').pluck().all()).toEqual([
      0, 1,
    ]);
    expect(s.db.prepare("SELECT COUNT(*) FROM runs WHERE lifecycle = 'active'").pluck().get()).toBe(
      2,
    );
  });
});
