// Stage `generate`: synthetic data so the skeleton runs before you bring your own.
//
// Writes data/raw.csv: an id, a categorical `segment`, four numeric features (x3
// has some empty cells) and a 0/1 `label`. The same params.data.seed gives the same
// bytes everywhere.
//
// Your data instead: delete the `generate` stage from mlo.yaml, put your file at
// data/raw.csv (or change the paths), `mlo add data/raw.csv`, and adapt
// suites/raw.yaml and src/prepare.mjs to its columns.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mlo, readParams } from './common.mjs';

const { data: params } = readParams();
const rows = params.rows;

const r = mlo.createRng(params.seed); // seeded: the same stream on every machine
const lines = ['id,segment,x1,x2,x3,x4,label'];
for (let i = 0; i < rows; i++) {
  const u = r.next();
  const segment = u < 0.5 ? 'a' : u < 0.8 ? 'b' : 'c';
  const x1 = 10 + 3 * r.normal();
  const x2 = r.normal();
  const x3 = 100 + 25 * r.normal();
  const x4 = r.next();
  const z =
    0.6 * (x1 - 10) + 1.2 * x2 - 0.03 * (x3 - 100) + (segment === 'c' ? 1 : 0) - 0.4 + r.normal();
  const label = z > 0 ? 1 : 0;
  const x3Cell = r.next() < 0.03 ? '' : x3.toFixed(2); // a few values were never recorded
  lines.push(
    [i + 1, segment, x1.toFixed(3), x2.toFixed(3), x3Cell, x4.toFixed(4), label].join(','),
  );
}
mkdirSync('data', { recursive: true });
writeFileSync('data/raw.csv', lines.join('\n') + '\n');
console.log(`wrote data/raw.csv: ${rows} rows`);
