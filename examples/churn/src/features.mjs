// Raw customer rows → the model's numeric features. The same code prepares the
// training data and the requests sent to the server, so the two cannot disagree.

/** The model's inputs, in input order (recorded in the ONNX file and the registry). */
export const FEATURES = [
  'tenure_months',
  'monthly_charges',
  'total_charges',
  'support_calls',
  'age',
  'contract_one_year',
  'contract_two_year',
  'internet_fiber',
  'internet_none',
  'payment_electronic_check',
  'paperless_billing',
];

export const TARGET = 'churned';

const median = (values) => {
  const v = values.filter((x) => x !== null).sort((a, b) => a - b);
  return v.length === 0 ? 0 : v[Math.floor(v.length / 2)];
};

/** What encoding learns from the training rows: fill values for missing cells. */
export function fitEncoding(rows) {
  return { age_fill: median(rows.map((r) => r.age)) };
}

/** One raw row → { feature: number } in FEATURES order. */
export function encode(row, encoding) {
  const tenure = row.tenure_months;
  return {
    tenure_months: tenure,
    monthly_charges: row.monthly_charges,
    // a new customer has no total yet; otherwise about tenure × monthly charges
    total_charges: row.total_charges ?? tenure * row.monthly_charges,
    support_calls: row.support_calls,
    age: row.age ?? encoding.age_fill,
    contract_one_year: row.contract === 'one-year' ? 1 : 0,
    contract_two_year: row.contract === 'two-year' ? 1 : 0,
    internet_fiber: row.internet_service === 'fiber' ? 1 : 0,
    internet_none: row.internet_service === 'none' ? 1 : 0,
    // an unknown payment method counts as "not electronic check"
    payment_electronic_check: row.payment_method === 'electronic_check' ? 1 : 0,
    paperless_billing: row.paperless_billing ? 1 : 0,
  };
}
