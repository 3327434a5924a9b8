// Stage `generate`: synthetic house sales so the skeleton runs before you bring your
// own data.
//
// Writes data/raw.csv: an id, a categorical `neighborhood`, five numeric features
// (lot_m2 has some empty cells) and the sale `price` in thousands. The same
// params.data.seed gives the same bytes everywhere.
//
// Your data instead: delete the `generate` stage from mlo.yaml, put your file at
// data/raw.csv (or change the paths), `mlo add data/raw.csv`, and adapt
// suites/raw.yaml and src/features.mjs to its columns.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mlo, readParams } from './common.mjs';

const { data: params } = readParams();
const rows = params.rows;

const r = mlo.createRng(params.seed); // seeded: the same stream on every machine
const DISTANCE = { downtown: [1, 4], suburb: [5, 15], rural: [20, 40] }; // km: from + span
const PREMIUM = { downtown: 60, suburb: 0, rural: -35 };
const lines = ['id,neighborhood,area_m2,bedrooms,age_years,lot_m2,distance_km,price'];
for (let i = 0; i < rows; i++) {
  const u = r.next();
  const neighborhood = u < 0.25 ? 'downtown' : u < 0.75 ? 'suburb' : 'rural';
  const area = Math.max(30, Math.round(110 + 35 * r.normal()));
  const bedrooms = Math.min(7, Math.max(1, Math.round(area / 35 + 0.7 * r.normal())));
  const age = Math.floor(80 * r.next() ** 1.5);
  const [from, span] = DISTANCE[neighborhood];
  const distance = from + span * r.next();
  const lot = area * (neighborhood === 'downtown' ? 1.2 : 2 + 4 * r.next());
  // prices fall off with age until a house counts as "period" and some value returns
  const agePenalty = age < 60 ? 1.1 * age : 66 - 0.5 * (age - 60);
  const price =
    60 +
    2.2 * area +
    12 * bedrooms -
    agePenalty -
    1.5 * distance +
    PREMIUM[neighborhood] +
    0.01 * lot +
    25 * r.normal();
  const lotCell = r.next() < 0.05 ? '' : lot.toFixed(0); // not every listing gives it
  lines.push(
    [
      i + 1,
      neighborhood,
      area,
      bedrooms,
      age,
      lotCell,
      distance.toFixed(1),
      Math.max(20, price).toFixed(1),
    ].join(','),
  );
}
mkdirSync('data', { recursive: true });
writeFileSync('data/raw.csv', lines.join('\n') + '\n');
console.log(`wrote data/raw.csv: ${rows} rows`);
