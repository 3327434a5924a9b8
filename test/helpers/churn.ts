/**
 * A small churn project for deploy and fleet tests: churn@1 (champion) and churn@2,
 * two logistic regressions over age, tenure and spend, each registered with a
 * baseline from the same 300 training rows.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLinearClassifier } from '../../src/index.js';
import { makeRepo, mlo } from './cli.js';

export const W1 = { w: [0.5, -1.25, 2], b: 0.25 };
export const W2 = { w: [-0.5, 1.25, -2], b: -0.25 };

/** P(churn) of a version's weights for one row. */
export const churnProbability = (w: typeof W1, x: number[]): number =>
  1 / (1 + Math.exp(-x.reduce((s, v, j) => s + v * w.w[j], w.b)));

export async function writeChurnModels(dir: string): Promise<void> {
  writeFileSync(
    join(dir, 'v1.onnx'),
    await buildLinearClassifier({ coefficients: [W1.w], intercepts: [W1.b] }),
  );
  writeFileSync(
    join(dir, 'v2.onnx'),
    await buildLinearClassifier({ coefficients: [W2.w], intercepts: [W2.b] }),
  );
}

export async function churnRepo(
  serveYaml = 'serve:\n  max_batch: 16\n  log_predictions: true\n',
): Promise<string> {
  const dir = makeRepo();
  await writeChurnModels(dir);
  let csv = 'age,tenure,spend,churned\n';
  for (let i = 0; i < 300; i++) csv += `${20 + (i % 50)},${i % 24},${(i * 7) % 100},${i % 2}\n`;
  writeFileSync(join(dir, 'train.csv'), csv);
  writeFileSync(join(dir, 'mlo.yaml'), serveYaml);
  for (const file of ['v1.onnx', 'v2.onnx']) {
    const r = mlo(
      ['model', 'register', 'churn', file, '--baseline-data', 'train.csv', '--target', 'churned'],
      { cwd: dir },
    );
    if (r.code !== 0) throw new Error(`register ${file}: ${r.stderr}`);
  }
  const a = mlo(['model', 'alias', 'set', 'churn', 'champion', '1'], { cwd: dir });
  if (a.code !== 0) throw new Error(a.stderr);
  return dir;
}
