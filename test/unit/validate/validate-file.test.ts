import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { initRepo, openRepo, type Repo } from '../../../src/repo/index.js';
import {
  latestValidation,
  listValidations,
  listValidationSummaries,
  showValidation,
  validateFile,
} from '../../../src/validate/validate-file.js';
import { tempDir, tempFile } from './helpers.js';

const MLO_YAML = `validation:
  raw:
    - expect_column_values_to_be_between: {column: age, min_value: 0, max_value: 120}
    - expect_column_values_to_not_be_null: {column: name, severity: warn}
`;

function repoWith(files: Record<string, string>): { repo: Repo; dir: string } {
  const dir = tempDir();
  initRepo(dir);
  for (const [rel, text] of Object.entries(files)) writeFileSync(join(dir, rel), text);
  return { repo: openRepo(dir), dir };
}

const sha256 = (path: string): string =>
  createHash('sha256').update(readFileSync(path)).digest('hex');

async function rejection(p: Promise<unknown>): Promise<MloError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MloError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('validateFile', () => {
  it('validates, stores the result with the data and suite hashes, and reads it back', async () => {
    const { repo, dir } = repoWith({
      'mlo.yaml': MLO_YAML,
      'data.csv': 'name,age\na,30\n,40\nc,150\n',
    });
    const r = await validateFile(repo, { file: 'data.csv', suite: 'raw' });
    expect(r.success).toBe(false);
    expect(r.statistics).toEqual({
      evaluated: 2,
      successful: 0,
      unsuccessful: 2,
      success_percent: 0,
      warnings: 1,
    });
    expect(r.data).toEqual({
      file: 'data.csv',
      hash: sha256(join(dir, 'data.csv')),
      format: 'csv',
      rows: 3,
      columns: ['name', 'age'],
    });
    expect(r.suite.name).toBe('raw');
    expect(r.id).toBeGreaterThan(0);
    const stored = listValidations(repo, { dataHash: r.data.hash });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toEqual(r);
    expect(showValidation(repo, r.id as number)).toEqual(r);
    expect(latestValidation(repo, { dataHash: r.data.hash, suiteHash: r.suite.hash })?.id).toBe(
      r.id,
    );
    expect(listValidationSummaries(repo, { suite: 'raw' })).toEqual([
      {
        id: r.id,
        suite: { name: 'raw', hash: r.suite.hash },
        data: { file: 'data.csv', hash: r.data.hash, rows: 3 },
        success: false,
        statistics: r.statistics,
        validated_at: r.validated_at,
      },
    ]);
    const raw = repo.store.db
      .prepare('SELECT suite, data_path, success, warnings FROM validations')
      .get();
    expect(raw).toEqual({ suite: 'raw', data_path: 'data.csv', success: 0, warnings: 1 });
    repo.close();
  });

  it('reuse returns the stored result for the same bytes and expectations, and not after a change', async () => {
    const { repo, dir } = repoWith({ 'mlo.yaml': MLO_YAML, 'data.csv': 'name,age\na,30\n' });
    const first = await validateFile(repo, { file: 'data.csv', suite: 'raw' });
    const again = await validateFile(repo, { file: 'data.csv', suite: 'raw', reuse: true });
    expect(again.reused).toBe(true);
    expect(again.id).toBe(first.id);
    writeFileSync(join(dir, 'data.csv'), 'name,age\na,31\n');
    const changed = await validateFile(repo, { file: 'data.csv', suite: 'raw', reuse: true });
    expect(changed.reused).toBeUndefined();
    expect(changed.id).not.toBe(first.id);
    expect(changed.data.hash).toBe(sha256(join(dir, 'data.csv')));
    repo.close();
  });

  it('takes a suite file and data outside the repo, and can leave the store alone', async () => {
    const { repo } = repoWith({});
    const data = tempFile('outside.csv', 'x\n1\n2\n');
    const suite = tempFile('s.yaml', '- expect_table_row_count_to_equal: {value: 2}\n');
    const r = await validateFile(repo, { file: data, suite, store: false });
    expect(r.success).toBe(true);
    expect(r.id).toBeUndefined();
    expect(r.data.file).toBe(data);
    expect(r.data.hash).toBe(sha256(data));
    expect(listValidations(repo)).toEqual([]);
    repo.close();
  });

  it('a missing file or column is an input error (exit 2)', async () => {
    const { repo } = repoWith({ 'mlo.yaml': MLO_YAML, 'data.csv': 'name,years\na,30\n' });
    const missingFile = await rejection(validateFile(repo, { file: 'nope.csv', suite: 'raw' }));
    expect(missingFile.code).toBe('NOT_FOUND');
    expect(missingFile.message).toBe('nope.csv: no such file');
    const missingColumn = await rejection(validateFile(repo, { file: 'data.csv', suite: 'raw' }));
    expect(missingColumn.exitCode).toBe(2);
    expect(missingColumn.message).toBe(
      'data.csv: no column "age" (needed by suite raw); available: "name", "years"',
    );
    expect(listValidations(repo)).toEqual([]);
    repo.close();
  });
});
