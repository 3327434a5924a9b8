/**
 * Fairness end to end: `mlo eval --slice` reports selection_rate, tpr, fpr and fnr per
 * group with their gaps and ratios, and `mlo promote` decides `ratio(...)` and
 * `gap(...)` gates on them (the four-fifths rule), with a real ONNX model run by
 * onnxruntime-node. Expected values are counted from the data file in the test.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier } from '../../src/index.js';
import { makeRepo, mlo, parseJson, writeTree } from '../helpers/cli.js';

interface Spread {
  value: number | null;
  reason?: string;
}
interface EvalJson {
  slices: Record<
    string,
    {
      groups: { group: string; rows: number; metrics: Record<string, number | null> }[];
      gaps: Record<string, Spread>;
      ratios: Record<string, Spread>;
    }
  >;
}

/** Rows of x, region and y; the model predicts 1 when x > 0. */
function data(): { csv: string; rows: { x: number; region: string; y: number }[] } {
  const rows: { x: number; region: string; y: number }[] = [];
  for (let i = 0; i < 400; i++) {
    const region = i % 2 === 0 ? 'east' : 'west';
    // east mostly positive x, west mostly negative: different selection rates
    const x = ((i * 37) % 100) / 10 - (region === 'east' ? 3 : 6);
    const y = (i * 13) % 7 < 3 ? (x > 0 ? 1 : 0) : (i * 7) % 3 === 0 ? 1 : 0;
    rows.push({ x, region, y });
  }
  return {
    rows,
    csv: 'x,region,y\n' + rows.map((r) => `${r.x},${r.region},${r.y}`).join('\n') + '\n',
  };
}

function expectedRates(rows: { x: number; region: string; y: number }[], region: string) {
  const g = rows.filter((r) => r.region === region);
  const pred = g.map((r) => (r.x > 0 ? 1 : 0));
  const tp = g.filter((r, i) => r.y === 1 && pred[i] === 1).length;
  const fp = g.filter((r, i) => r.y === 0 && pred[i] === 1).length;
  const pos = g.filter((r) => r.y === 1).length;
  return {
    selection_rate: pred.filter((p) => p === 1).length / g.length,
    tpr: tp / pos,
    fpr: fp / (g.length - pos),
    fnr: (pos - tp) / pos,
  };
}

describe('fairness in mlo eval --slice and mlo promote', () => {
  it('reports the rates per group with gaps and ratios, and gates on them', async () => {
    const dir = makeRepo();
    const { csv, rows } = data();
    writeFileSync(
      join(dir, 'm.onnx'),
      await buildLinearClassifier({ coefficients: [[4]], intercepts: [0] }),
    );
    writeTree(dir, { 'data.csv': csv });
    expect(mlo(['model', 'register', 'm', 'm.onnx', '--features', 'x'], { cwd: dir }).code).toBe(0);

    const r = mlo(
      ['eval', 'm', '--data', 'data.csv', '--target', 'y', '--slice', 'region', '--json'],
      { cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    const slice = parseJson<EvalJson>(r).slices.region;
    const east = expectedRates(rows, 'east');
    const west = expectedRates(rows, 'west');
    for (const [name, want] of [
      ['east', east],
      ['west', west],
    ] as const) {
      const got = slice.groups.find((g) => g.group === name)!.metrics;
      for (const m of ['selection_rate', 'tpr', 'fpr', 'fnr'] as const) {
        expect(got[m], `${m} of ${name}`).toBeCloseTo(want[m], 12);
      }
    }
    const sr = [east.selection_rate, west.selection_rate];
    const ratio = Math.min(...sr) / Math.max(...sr);
    expect(ratio).toBeLessThan(0.8);
    expect(slice.ratios.selection_rate.value).toBeCloseTo(ratio, 12);
    expect(slice.gaps.tpr.value).toBeCloseTo(Math.abs(east.tpr - west.tpr), 12);
    const odds = Math.max(Math.abs(east.tpr - west.tpr), Math.abs(east.fpr - west.fpr));
    expect(slice.gaps.equalized_odds.value).toBeCloseTo(odds, 12);

    const human = mlo(['eval', 'm', '--data', 'data.csv', '--target', 'y', '--slice', 'region'], {
      cwd: dir,
    });
    expect(human.stdout).toMatch(/selection_rate/);
    expect(human.stdout).toMatch(/^\s+ratio\s/m);
    expect(human.stdout).toMatch(/equalized odds \(worse of tpr and fpr\): gap [\d.]+, ratio/);

    // the four-fifths rule fails; a looser ratio and a gap gate pass
    writeTree(dir, {
      'mlo.yaml': `promotion:
  champion:
    data: data.csv
    target: y
    gates:
      - ratio(selection_rate, region) >= 0.8
      - ratio(selection_rate, region) >= ${(ratio - 0.01).toFixed(4)}
      - gap(equalized_odds, region) <= ${(odds + 0.01).toFixed(4)}
`,
    });
    const p = mlo(['promote', 'm', '--to', 'champion', '--dry-run', '--json'], { cwd: dir });
    expect(p.code, p.stderr).toBe(1);
    const res = parseJson<{
      gates: { gate: string; passed: boolean; observed: number; reason: string }[];
      evaluations: { reused: boolean }[];
    }>(p);
    expect(res.gates.map((g) => g.passed)).toEqual([false, true, true]);
    expect(res.gates[0].observed).toBeCloseTo(ratio, 12);
    expect(res.gates[0].reason).toMatch(
      /^ratio of selection_rate across region [\d.]+ \(west [\d.]+ \/ east [\d.]+\) is not >= 0\.8$/,
    );
    // the evaluation stored by `mlo eval --slice region` was reused
    expect(res.evaluations[0].reused).toBe(true);

    // an evaluation stored before ratios existed is measured again, not misread
    const db = new Database(join(dir, '.mlo/mlo.db'));
    try {
      const stored = db.prepare('SELECT id, slices_json FROM evaluations').all() as {
        id: number;
        slices_json: string;
      }[];
      for (const row of stored) {
        const slices = JSON.parse(row.slices_json) as Record<string, Record<string, unknown>>;
        for (const s of Object.values(slices)) delete s.ratios;
        db.prepare('UPDATE evaluations SET slices_json = ? WHERE id = ?').run(
          JSON.stringify(slices),
          row.id,
        );
      }
    } finally {
      db.close();
    }
    const again = parseJson<typeof res>(
      mlo(['promote', 'm', '--to', 'champion', '--dry-run', '--json'], { cwd: dir }),
    );
    expect(again.evaluations[0].reused).toBe(false);
    expect(again.gates.map((g) => g.passed)).toEqual([false, true, true]);
  });
});
