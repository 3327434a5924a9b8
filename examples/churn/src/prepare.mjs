// Stage `prepare`: validate the raw data, split it by time, encode the features.
//
// Rows observed before params.prepare.split_date train the model; later rows are the
// holdout that evaluation and the promotion gates use. Splitting by time, not at
// random, is what a model in production faces: it is trained on the past and
// judged on what came after.
import { FEATURES, TARGET, encode, fitEncoding } from './features.mjs';
import { mlo, readParams, readRows, writeCsv, writeJson } from './common.mjs';

const RAW = 'data/customers.csv';
const { prepare: params } = readParams();

// 1. Validate: the suite `raw` in mlo.yaml (suites/raw.yaml). The result is stored
//    with the file's hash, as `mlo validate` stores it.
const repo = mlo.openRepo();
try {
  const result = await mlo.validateFile(repo, { file: RAW, suite: 'raw' });
  const s = result.statistics;
  console.log(`validated ${RAW}: ${s.successful}/${s.evaluated} expectations passed`);
  if (!result.success) {
    for (const r of result.results.filter((x) => !x.success)) console.error(`  ${r.summary}`);
    console.error(`see: mlo validate ${RAW} --suite raw`);
    process.exit(1);
  }
} finally {
  repo.close();
}

// 2. Split by time.
const rows = await readRows(RAW);
const split = Date.parse(params.split_date);
const train = rows.filter((r) => r.observed_at < split);
const holdout = rows.filter((r) => r.observed_at >= split);

// 3. Encode. Fill values are learned from the training rows only.
const encoding = fitEncoding(train);
const encodeAll = (part, extra) =>
  part.map((r) => ({ ...encode(r, encoding), [TARGET]: r[TARGET], ...extra(r) }));
writeCsv(
  'data/prepared/train.csv',
  encodeAll(train, () => ({})),
  [...FEATURES, TARGET],
);
// The holdout keeps `region` (not a model input) for the gap(accuracy, region) gate.
writeCsv(
  'data/prepared/holdout.csv',
  encodeAll(holdout, (r) => ({ region: r.region })),
  [...FEATURES, TARGET, 'region'],
);
writeJson('data/prepared/encoding.json', { features: FEATURES, ...encoding });
console.log(
  `split at ${params.split_date}: ${train.length} training rows, ${holdout.length} holdout rows`,
);
