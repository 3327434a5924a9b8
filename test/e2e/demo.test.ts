/**
 * `npm run demo` is the README's first command, so it runs here end to end: the churn
 * example from data versioning to drift found in the served traffic. The assertions
 * check what the demo leaves behind against the data it generated, not its narration.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlo, ROOT } from '../helpers/cli.js';

describe('npm run demo', () => {
  it('runs the churn example end to end and leaves a drift report and a store behind', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mlo-demo-test-')), 'project');
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'scripts/demo.mjs'), '--quiet', '--dir', dir],
      {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
        timeout: 240_000,
      },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`drift report:      ${join(dir, 'drift-report.html')}`);
    expect(r.stdout).toContain('$ mlo promote churn@1 --to champion');

    // the pipeline ran: both training runs are tracked, with their params
    const runs = JSON.parse(
      mlo(['runs', 'list', '--filter', "name = 'train'", '--json'], { cwd: dir }).stdout,
    ) as { runs: { params: Record<string, string> }[] };
    expect(runs.runs.map((run) => run.params['train.model']).sort()).toEqual(['gbt', 'logistic']);

    // the champion is version 1, registered with lineage to a tracked run
    const champion = JSON.parse(
      mlo(['model', 'show', 'churn@champion', '--json'], { cwd: dir }).stdout,
    ) as { version: number; aliases: string[]; signature: { inputs: { name: string }[] } };
    expect(champion.version).toBe(1);
    expect(champion.aliases).toContain('champion');
    expect(champion.signature.inputs[0].name).toBe('X');

    // every customer of next month went through the server into the prediction log
    const customers =
      readFileSync(join(dir, 'data/next_month.csv'), 'utf8').trim().split('\n').length - 1;
    const check = mlo(
      ['drift', 'check', '--model', 'churn@champion', '--predictions', '--json', '--no-save'],
      { cwd: dir },
    );
    expect(check.code, check.stderr).toBe(0);
    const drift = JSON.parse(check.stdout) as {
      dataset_drift: boolean;
      current: { rows: number };
      columns: { column: string; drifted: boolean }[];
    };
    expect(drift.current.rows).toBe(customers);
    expect(drift.dataset_drift).toBe(true);
    // the generator moved prices and support calls, and left age alone
    const drifted = new Set(drift.columns.filter((c) => c.drifted).map((c) => c.column));
    expect(drifted.has('monthly_charges')).toBe(true);
    expect(drifted.has('support_calls')).toBe(true);
    expect(drifted.has('age')).toBe(false);

    // the HTML report is one self-contained file with a chart per feature
    const html = readFileSync(join(dir, 'drift-report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('monthly_charges');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)="https?:/);
    expect(existsSync(join(dir, '.mlo/mlo.db'))).toBe(true);
  }, 300_000);
});
