// Raw rows → the model's numeric features. Training, evaluation and any client of
// `mlo serve` use this one function, so they cannot disagree.

/** Columns of data/raw.csv and what to do with them. */
export const NUMERIC = ['x1', 'x2', 'x3', 'x4'];
/** one 0/1 column per level after the first */
export const CATEGORICAL = { segment: ['a', 'b', 'c'] };
export const TARGET = 'label';

/** The model's inputs, in input order (stored in the ONNX file and the registry). */
export const FEATURES = [
  ...NUMERIC,
  ...Object.entries(CATEGORICAL).flatMap(([col, levels]) =>
    levels.slice(1).map((l) => `${col}_${l}`),
  ),
];

const median = (values) => {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  return v.length === 0 ? 0 : v[Math.floor(v.length / 2)];
};

/** What encoding learns from the training rows: a fill value per numeric column. */
export function fitEncoding(rows) {
  return { fill: Object.fromEntries(NUMERIC.map((c) => [c, median(rows.map((r) => r[c]))])) };
}

/** One raw row → { feature: number }. */
export function encode(row, encoding) {
  const out = {};
  for (const c of NUMERIC) out[c] = row[c] ?? encoding.fill[c];
  for (const [col, levels] of Object.entries(CATEGORICAL)) {
    for (const l of levels.slice(1)) out[`${col}_${l}`] = row[col] === l ? 1 : 0;
  }
  return out;
}
