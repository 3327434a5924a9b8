// Stage `prepare`: validate the raw data, split it, encode the features.
//
// Writes data/prepared/train.csv and holdout.csv (the features and the target) and
// encoding.json (what a client needs to encode rows the same way).
import { FEATURES, TARGET, encode, fitEncoding } from './features.mjs';
import { mlo, readParams, readRows, writeCsv, writeJson } from './common.mjs';

const RAW = 'data/raw.csv';
const { prepare: params } = readParams();

// 1. Validate against the suite `raw` (mlo.yaml → suites/raw.yaml); stop if it fails.
const repo = mlo.openRepo();
try {
  const result = await mlo.validateFile(repo, { file: RAW, suite: 'raw' });
  const s = result.statistics;
  console.log(`validated ${RAW}: ${s.successful}/${s.evaluated} expectations passed`);
  if (!result.success) {
    for (const r of result.results.filter((x) => !x.success)) console.error(`  ${r.summary}`);
    process.exit(1);
  }
} finally {
  repo.close();
}

// 2. Split: a seeded shuffle, so the same params give the same split. (Data with a
//    time column is better split by time: train on the past, hold out what came after.)
const rows = await readRows(RAW);
const order = mlo.createRng(params.seed).shuffle(rows.map((_, i) => i));
const nHoldout = Math.round(rows.length * params.holdout_fraction);
const inHoldout = new Set(order.slice(0, nHoldout));
const train = rows.filter((_, i) => !inHoldout.has(i));
const holdout = rows.filter((_, i) => inHoldout.has(i));

// 3. Encode, with fill values learned from the training rows only.
const encoding = fitEncoding(train);
const encodeAll = (part) => part.map((r) => ({ ...encode(r, encoding), [TARGET]: r[TARGET] }));
writeCsv('data/prepared/train.csv', encodeAll(train), [...FEATURES, TARGET]);
writeCsv('data/prepared/holdout.csv', encodeAll(holdout), [...FEATURES, TARGET]);
writeJson('data/prepared/encoding.json', { features: FEATURES, ...encoding });
console.log(
  `${train.length} training rows, ${holdout.length} holdout rows, ${FEATURES.length} features`,
);
