// A client of `mlo serve`: encode a batch of raw customer rows the way training did
// and ask the server for predictions, a few rows per request.
//
//   node src/send.mjs data/next_month.csv --url http://127.0.0.1:8080 [--batch 50]
//
// Each request is what any other client would send:
//   curl -s localhost:8080/predict -H 'content-type: application/json' \
//     -d '{"instances": [{"tenure_months": 3, "monthly_charges": 99.5, ...}]}'
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encode, FEATURES } from './features.mjs';
import { readRows } from './common.mjs';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    batch: { type: 'string', default: '50' },
  },
});
const file = positionals[0] ?? 'data/next_month.csv';
const batchSize = Number(args.batch);
const encoding = JSON.parse(readFileSync('data/prepared/encoding.json', 'utf8'));

const rows = await readRows(file);
const instances = rows.map((r) => {
  const features = encode(r, encoding);
  return Object.fromEntries(FEATURES.map((f) => [f, features[f]]));
});

let requests = 0;
let churners = 0;
let version;
for (let i = 0; i < instances.length; i += batchSize) {
  const res = await fetch(new URL('/predict', args.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: instances.slice(i, i + batchSize) }),
  });
  const body = await res.json();
  if (!res.ok) {
    console.error(`error: the server answered ${res.status}: ${JSON.stringify(body)}`);
    process.exit(1);
  }
  requests++;
  version = `${body.model}@${body.version}`;
  churners += body.predictions.filter((p) => p === 1).length;
}
console.log(
  `${instances.length} customers from ${file} in ${requests} requests to ${version}: ` +
    `${churners} (${((100 * churners) / instances.length).toFixed(1)}%) predicted to churn`,
);
