import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { createBaseline } from '../../../src/monitor/index.js';
import { initRepo, openRepo } from '../../../src/repo/index.js';
import { validateFile } from '../../../src/validate/validate-file.js';
import { rng } from '../io/helpers.js';
import { runCsv, suiteOf, tempDir } from './helpers.js';

/** 2,000 rows: x normal(shift, 1), c one of a/b/c (mostly c when `moveC`). */
function sample(seed: number, shift: number, moveC = shift !== 0): string {
  const rand = rng(seed);
  const lines = ['x,c'];
  for (let i = 0; i < 2000; i++) {
    const u = 1 - rand();
    const x = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand()) + shift;
    const r = rand();
    const c = !moveC ? ['a', 'b', 'c'][Math.floor(r * 3)] : r < 0.6 ? 'c' : r < 0.8 ? 'a' : 'b';
    lines.push(`${x.toFixed(4)},${c}`);
  }
  return lines.join('\n') + '\n';
}

describe('expect_no_drift_from_baseline', () => {
  it('passes for data like the baseline and fails, naming the drifted columns, for shifted data', async () => {
    const dir = tempDir();
    initRepo(dir);
    writeFileSync(join(dir, 'ref.csv'), sample(1, 0));
    writeFileSync(join(dir, 'same.csv'), sample(2, 0));
    writeFileSync(join(dir, 'shifted.csv'), sample(3, 1));
    writeFileSync(join(dir, 'half.csv'), sample(4, 1, false));
    const repo = openRepo(dir);
    await createBaseline(repo, { name: 'ref', data: 'ref.csv', cwd: dir });
    const suite = suiteOf([['expect_no_drift_from_baseline', { baseline: 'ref' }]]);

    const same = await validateFile(repo, { file: 'same.csv', suite });
    expect(same.success).toBe(true);
    expect(same.results[0].result.observed_value).toBe(0);
    expect(same.results[0].result.details?.dataset_drift).toBe(false);

    const shifted = await validateFile(repo, { file: 'shifted.csv', suite });
    expect(shifted.success).toBe(false);
    const r = shifted.results[0];
    expect(r.result.observed_value).toBe(1);
    expect(r.result.details?.drifted_columns).toEqual(expect.arrayContaining(['x', 'c']));
    expect(r.summary).toMatch(
      /^2 of 2 columns drifted from baseline "ref" \(share 1, dataset drift at ≥ 0\.5\)/,
    );
    // one of two columns drifted: dataset drift at the default share 0.5, not at 0.6
    const half = await validateFile(repo, { file: 'half.csv', suite });
    expect(half.success).toBe(false);
    expect(half.results[0].result.details?.drifted_columns).toEqual(['x']);
    const lenient = suiteOf([
      ['expect_no_drift_from_baseline', { baseline: 'ref', drift_share: 0.6 }],
    ]);
    const passed = await validateFile(repo, { file: 'half.csv', suite: lenient });
    expect(passed.success).toBe(true);
    expect(passed.results[0].result.observed_value).toBe(0.5);
    repo.close();
  });

  it('an unknown baseline is NOT_FOUND (exit 2)', async () => {
    const dir = tempDir();
    initRepo(dir);
    writeFileSync(join(dir, 'd.csv'), 'x\n1\n');
    const repo = openRepo(dir);
    let err: unknown;
    try {
      await validateFile(repo, {
        file: 'd.csv',
        suite: suiteOf([['expect_no_drift_from_baseline', { baseline: 'nope' }]]),
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MloError);
    expect((err as MloError).message).toBe('no baseline "nope"');
    expect((err as MloError).exitCode).toBe(2);
    repo.close();
  });

  it('outside a repository it cannot be evaluated', async () => {
    const run = await runCsv('a\n1\n', [['expect_no_drift_from_baseline', { baseline: 'ref' }]]);
    expect(run.results[0].exception_info.exception_message).toMatch(/needs an mlo repository/);
  });
});
