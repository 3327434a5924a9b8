/**
 * Source shapes beyond one CSV: a directory of files (ties across files go to the later
 * file), JSON Lines and Parquet, read alike by both join engines and by
 * materialization; and source paths that try to leave the repository.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import {
  applyDefinitions,
  joinFeatures,
  materializeFeatures,
  OnlineFeatures,
} from '../../../src/index.js';
import { parseCsv, repoWithFiles } from './helpers.js';

const yaml = (path: string): string => `features:
  entities:
    user: {join_keys: {user: string}}
  sources:
    s: {path: ${path}, timestamp: ts}
  views:
    v:
      entities: [user]
      source: s
      features: {score: float64, label: string}
`;

const ENTITIES =
  'user,event_timestamp\nu1,2024-01-02T00:00:00Z\nu2,2024-01-05T00:00:00Z\nu3,2024-01-05T00:00:00Z\n';

async function joined(
  repo: Awaited<ReturnType<typeof repoWithFiles>>,
  engine: 'js' | 'duckdb',
): Promise<string[][]> {
  await joinFeatures(repo, {
    entities: 'entities.csv',
    features: 'v',
    out: `out-${engine}.csv`,
    cwd: repo.root,
    engine,
  });
  const { readFileSync } = await import('node:fs');
  // DuckDB writes 10.0 where JavaScript writes 10: compare numbers as numbers
  return parseCsv(readFileSync(join(repo.root, `out-${engine}.csv`), 'utf8')).map((r) =>
    r.slice(2).map((x) => (x !== '' && Number.isFinite(Number(x)) ? String(Number(x)) : x)),
  );
}

describe('feature sources', () => {
  it('reads a directory of files in name order; a tie goes to the later file', async () => {
    const repo = await repoWithFiles({
      'mlo.yaml': yaml('data/parts'),
      'entities.csv': ENTITIES,
      'data/parts/2024-01-a.csv':
        'user,ts,score,label\nu1,2024-01-01T00:00:00Z,1,first\nu2,2024-01-03T00:00:00Z,2,x\n',
      'data/parts/2024-01-b.csv': 'user,ts,score,label\nu1,2024-01-01T00:00:00Z,10,second\n',
      'data/parts/nested/2024-01-c.csv': 'user,ts,score,label\nu3,2024-01-04T00:00:00Z,3,deep\n',
    });
    await applyDefinitions(repo);
    for (const engine of ['js', 'duckdb'] as const) {
      expect(await joined(repo, engine), engine).toEqual([
        ['score', 'label'],
        ['10', 'second'],
        ['2', 'x'],
        ['3', 'deep'],
      ]);
    }
    for (const engine of ['js', 'duckdb'] as const) {
      await materializeFeatures(repo, { start: 0, end: Date.parse('2024-02-01'), engine });
      const online = await OnlineFeatures.open(repo);
      try {
        const r = await online.get({ entities: { user: ['u1'] }, features: ['v:label'] });
        expect(r.results[1].values, engine).toEqual(['second']);
      } finally {
        await online.close();
      }
    }
  });

  it('reads JSON Lines and Parquet sources alike in both engines', async () => {
    const jsonl =
      '{"user": "u1", "ts": "2024-01-01T00:00:00Z", "score": 1.5, "label": "a"}\n' +
      '{"user": "u2", "ts": "2024-01-03T00:00:00+01:00", "score": "2.5", "label": null, "extra": true}\n' +
      '{"user": "u3", "ts": "2024-01-04T00:00:00Z", "score": null, "label": "c"}\n';
    const repo = await repoWithFiles({
      'mlo.yaml': yaml('data/s.jsonl'),
      'entities.csv': ENTITIES,
      'data/s.jsonl': jsonl,
    });
    await applyDefinitions(repo);
    const expected = [
      ['score', 'label'],
      ['1.5', 'a'],
      ['2.5', ''],
      ['', 'c'],
    ];
    for (const engine of ['js', 'duckdb'] as const)
      expect(await joined(repo, engine), engine).toEqual(expected);

    mkdirSync(join(repo.root, 'pq'));
    parquetWriteFile({
      filename: join(repo.root, 'pq/s.parquet'),
      columnData: [
        { name: 'user', data: ['u1', 'u2', 'u3'], type: 'STRING' },
        {
          name: 'ts',
          data: [
            Date.parse('2024-01-01'),
            Date.parse('2024-01-02T23:00:00Z'),
            Date.parse('2024-01-04'),
          ],
          type: 'TIMESTAMP',
        },
        { name: 'score', data: [1.5, 2.5, null], type: 'DOUBLE' },
        { name: 'label', data: ['a', null, 'c'], type: 'STRING' },
      ],
    });
    const pq = await repoWithFiles({ 'mlo.yaml': yaml('pq/s.parquet'), 'entities.csv': ENTITIES });
    mkdirSync(join(pq.root, 'pq'), { recursive: true });
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(repo.root, 'pq/s.parquet'), join(pq.root, 'pq/s.parquet'));
    const { add } = await import('../../../src/index.js');
    await add(pq, ['pq/s.parquet'], { cwd: pq.root });
    await applyDefinitions(pq);
    for (const engine of ['js', 'duckdb'] as const)
      expect(await joined(pq, engine), `parquet ${engine}`).toEqual(expected);
  });

  it('refuses a feature named like a column of the entity file, in both engines', async () => {
    const repo = await repoWithFiles({
      'mlo.yaml': yaml('data/s.csv'),
      'entities.csv': 'user,event_timestamp,score\nu1,2024-01-02T00:00:00Z,5\n',
      'data/s.csv': 'user,ts,score,label\nu1,2024-01-01T00:00:00Z,1,a\n',
    });
    await applyDefinitions(repo);
    for (const engine of ['js', 'duckdb'] as const) {
      const join = joinFeatures(repo, {
        entities: 'entities.csv',
        features: 'v',
        out: 'o.csv',
        cwd: repo.root,
        engine,
      });
      await expect(join, engine).rejects.toThrow(
        'feature v:score would be named score, a column of entities.csv',
      );
    }
    await joinFeatures(repo, {
      entities: 'entities.csv',
      features: 'v',
      out: 'o.csv',
      cwd: repo.root,
      fullNames: true,
    });
  });

  it('refuses a source that links outside the repository', async () => {
    const repo = await repoWithFiles({ 'mlo.yaml': yaml('data/s.csv'), 'entities.csv': ENTITIES });
    const outside = join(repo.root, '..', `outside-${Date.now()}.csv`);
    writeFileSync(outside, 'user,ts,score,label\nu1,2024-01-01T00:00:00Z,1,a\n');
    mkdirSync(join(repo.root, 'data'));
    symlinkSync(outside, join(repo.root, 'data/s.csv'));
    writeFileSync(join(repo.root, 'data/s.csv.mlo'), 'path: s.csv\n'); // a committed pointer says it is tracked
    await applyDefinitions(repo);
    await expect(
      joinFeatures(repo, { entities: 'entities.csv', features: 'v', out: 'o.csv', cwd: repo.root }),
    ).rejects.toThrow(/resolves to .*outside the repository's data/);
    await expect(materializeFeatures(repo, { start: 0, end: 1 })).rejects.toThrow(
      /outside the repository's data/,
    );
  });
});
