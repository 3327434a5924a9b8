import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT, makeRepo, mlo, parseJson, writeTree } from '../helpers/cli.js';

interface ListJson {
  runs: {
    id: string;
    name: string;
    experiment: string;
    status: string;
    start: string;
    end: string | null;
    params: Record<string, string>;
    metrics: Record<string, number | null>;
    tags: Record<string, string>;
  }[];
}

/** A node script that logs through the Node API of the built package. */
const apiScript = (body: string): string => `
import { openRepo, startRun } from ${JSON.stringify(`${ROOT}/dist/index.js`)};
const repo = openRepo(process.cwd());
${body}
`;

function seed(dir: string): Record<string, string> {
  writeTree(dir, {
    'seed.mjs': apiScript(`
const specs = [
  ['rf-a', { model: 'rf', depth: 3 }, { f1: 0.91, loss: 0.3 }, 'finished'],
  ['rf-b', { model: 'rf', depth: 10 }, { f1: 0.72, loss: 0.5 }, 'finished'],
  ['svm', { model: 'svm', depth: 3 }, { f1: 0.85 }, 'finished'],
  ['lr', { model: 'lr' }, { f1: 0.6 }, 'failed'],
];
const ids = {};
for (const [name, params, metrics, status] of specs) {
  const run = await startRun(repo, { name, params, git: false, attach: false, tags: { team: name === 'svm' ? 'x' : 'y' } });
  for (const [k, v] of Object.entries(metrics)) { run.logMetric(k, v * 2, 0); run.logMetric(k, v, 1); }
  await run.end(status);
  ids[name] = run.id;
}
console.log(JSON.stringify(ids));
`),
  });
  const r = mlo(['exec', '--json', '--', 'node', 'seed.mjs'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  // the seeding script's own output went to stderr (--json): its last line is the ids
  const line = r.stderr
    .trim()
    .split('\n')
    .find((l) => l.startsWith('{"rf-a"')) as string;
  return JSON.parse(line) as Record<string, string>;
}

describe('runs list / show / compare / delete', () => {
  it('lists runs as {"runs":[...]} with params, latest metrics and tags; filters, sorts, limits', () => {
    const dir = makeRepo();
    const ids = seed(dir);
    const all = parseJson<ListJson>(
      mlo(['runs', 'list', '--json', '--filter', "tags.team = 'y' or tags.team = 'x'"], {
        cwd: dir,
      }),
    );
    expect(all.runs.map((r) => r.name)).toEqual(['lr', 'svm', 'rf-b', 'rf-a']);
    const rfA = all.runs.find((r) => r.name === 'rf-a');
    expect(rfA).toEqual({
      id: ids['rf-a'],
      name: 'rf-a',
      experiment: 'default',
      status: 'finished',
      start: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      end: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
      params: { model: 'rf', depth: '3' },
      metrics: { f1: 0.91, loss: 0.3 },
      tags: { team: 'y' },
    });
    const r = mlo(
      [
        'runs',
        'list',
        '--json',
        '-f',
        "metrics.f1 > 0.8 and (params.model = 'rf' or params.model in ('svm')) and status = 'finished'",
        '-s',
        'metrics.f1:asc',
      ],
      { cwd: dir },
    );
    expect(parseJson<ListJson>(r).runs.map((x) => x.name)).toEqual(['svm', 'rf-a']);
    const limited = parseJson<ListJson>(
      mlo(
        ['runs', 'list', '--json', '-s', 'metrics.f1:desc', '--limit', '2', '-f', 'metrics.f1 > 0'],
        { cwd: dir },
      ),
    );
    expect(limited.runs.map((x) => x.name)).toEqual(['rf-a', 'svm']);
  });

  it('shows chosen params and metrics as table columns and says when rows were cut', () => {
    const dir = makeRepo();
    seed(dir);
    const r = mlo(
      ['runs', 'list', '-c', 'params.depth,metrics.f1', '-l', '2', '-f', "name != 'nope'"],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual([
      'id',
      'name',
      'status',
      'start',
      'duration',
      'params.depth',
      'metrics.f1',
    ]);
    expect(rows[0]).toMatch(/^[0-9a-f]{8}\s+lr\s+failed .*\s0\.6$/);
    expect(rows[rows.length - 1]).toBe('2 of 5 runs shown (--limit 0 for all)');
  });

  it('a malformed filter exits 2 naming the column, with a caret under it', () => {
    const dir = makeRepo();
    const r = mlo(['runs', 'list', '--filter', "metrics.f1 > 0.8 and (params.model = 'rf'"], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: filter: expected '\)' to close the '\(' at column 22, found the end of the filter at column 42$/m,
    );
    const hints = r.stderr.split('\n').filter((l) => l.startsWith('hint: '));
    expect(hints[1].indexOf('^') - 'hint: '.length).toBe(41);
    expect(r.stdout).toBe('');
    const sort = mlo(['runs', 'list', '--sort', 'metrics.f1 desc'], { cwd: dir });
    expect(sort.code).toBe(2);
    expect(mlo(['runs', 'list', '--limit', '-1'], { cwd: dir }).code).toBe(2);
  });

  it('shows, compares and deletes runs by unique prefix; history has a sparkline', () => {
    const dir = makeRepo();
    const ids = seed(dir);
    const show = mlo(['runs', 'show', ids['rf-a'].slice(0, 6)], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(ids['rf-a']);
    expect(show.stdout).toMatch(/status\s+finished/);
    const cmp = mlo(['runs', 'compare', ids['rf-a'].slice(0, 8), ids.svm.slice(0, 8), '--json'], {
      cwd: dir,
    });
    const c = parseJson<{ params: { key: string; values: unknown[]; differs: boolean }[] }>(cmp);
    expect(c.params).toContainEqual({ key: 'model', values: ['rf', 'svm'], differs: true });
    expect(c.params).toContainEqual({ key: 'depth', values: ['3', '3'], differs: false });
    const table = mlo(['runs', 'compare', ids['rf-a'], ids.svm], { cwd: dir });
    expect(table.stdout).toMatch(/params\.model\s+rf\s+svm/);
    expect(table.stdout).not.toMatch(/params\.depth/); // same in both: hidden
    expect(table.stdout).toContain('identical row(s) hidden');
    const hist = parseJson<{
      key: string;
      points: { step: number; value: number; timestamp: number }[];
    }>(mlo(['metrics', 'history', ids['rf-a'], 'f1', '--json'], { cwd: dir }));
    expect(hist.key).toBe('f1');
    expect(hist.points.map((p) => [p.step, p.value])).toEqual([
      [0, 1.82],
      [1, 0.91],
    ]);
    expect(typeof hist.points[0].timestamp).toBe('number');
    const spark = mlo(['metrics', 'history', ids['rf-a'], 'f1'], { cwd: dir });
    expect(spark.stdout.split('\n')[0]).toBe('f1  █▁');
    expect(mlo(['metrics', 'history', ids['rf-a'], 'nope'], { cwd: dir }).code).toBe(2);
    const del = mlo(['runs', 'delete', ids['rf-b'].slice(0, 10), '--json'], { cwd: dir });
    expect(parseJson<{ deleted: string[] }>(del).deleted).toEqual([ids['rf-b']]);
    const after = parseJson<ListJson>(
      mlo(['runs', 'list', '--json', '-f', "name = 'rf-b'"], { cwd: dir }),
    );
    expect(after.runs).toEqual([]);
    expect(mlo(['runs', 'show', ids['rf-b']], { cwd: dir }).code).toBe(2);
  });

  it('the Node API ends a run when the script exits: finished, or failed when it throws', () => {
    const dir = makeRepo();
    writeTree(dir, {
      'ok.mjs': apiScript(
        `const run = await startRun(repo, { name: 'no-end', git: false }); run.logMetric('m', 1);`,
      ),
      'throws.mjs': apiScript(
        `const run = await startRun(repo, { name: 'throws', git: false }); run.logMetric('m', 2); throw new Error('bug');`,
      ),
      'killed.mjs': apiScript(
        `const run = await startRun(repo, { name: 'sigkill', git: false }); run.logMetric('m', 3); run.flush(); process.kill(process.pid, 'SIGKILL');`,
      ),
    });
    const env = { ...process.env, MLO_RUN_ID: undefined };
    for (const f of ['ok.mjs', 'throws.mjs', 'killed.mjs']) {
      spawnSync(process.execPath, [f], { cwd: dir, env, stdio: 'ignore' });
    }
    const own = parseJson<ListJson>(
      mlo(['runs', 'list', '--json', '-f', "name in ('no-end', 'throws', 'sigkill')"], {
        cwd: dir,
      }),
    ).runs;
    const s = Object.fromEntries(own.map((r) => [r.name, r]));
    expect(s['no-end']).toMatchObject({ status: 'finished', metrics: { m: 1 } });
    expect(s.throws).toMatchObject({ status: 'failed', metrics: { m: 2 } });
    // a SIGKILLed owner cannot end its run: the next list notices and marks it killed
    expect(s.sigkill).toMatchObject({ status: 'killed', metrics: { m: 3 } });
  });
});
