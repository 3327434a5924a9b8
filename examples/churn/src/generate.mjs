// Synthetic telecom churn data, seeded: the same seed gives the same bytes everywhere.
//
//   node src/generate.mjs [--seed 42] [--rows-per-month 1000] [--out data]
//
// Writes data/customers.csv (twelve months of 2024, one row per customer observed
// that month, with the label `churned`) and data/next_month.csv (January 2025, no
// label yet). The next month has drifted: a promotion brought in many new
// month-to-month customers paying by electronic check, prices went up 12%, and the
// support line got busier. Nothing here needs mlo: it is plain Node.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    'rows-per-month': { type: 'string', default: '1000' },
    out: { type: 'string', default: 'data' },
  },
});
const rowsPerMonth = Number(args['rows-per-month']);

/** mulberry32: a small seeded generator, identical on every platform. */
function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const pick = (weights) => {
    let u = next() * Object.values(weights).reduce((a, b) => a + b, 0);
    for (const [k, w] of Object.entries(weights)) if ((u -= w) < 0) return k;
    return Object.keys(weights).at(-1);
  };
  const poisson = (lambda) => {
    let k = 0;
    for (let p = next(); p > Math.exp(-lambda); p *= next()) k++;
    return k;
  };
  return { next, normal, pick, poisson };
}

const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, x));
const round2 = (x) => Math.round(x * 100) / 100;

/** One customer observed in `month` (a Date at the first of the month). */
function customer(r, id, month, drifted) {
  const daysInMonth = new Date(
    Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 0),
  ).getUTCDate();
  const seen = new Date(month.getTime() + r.next() * daysInMonth * 86_400_000);
  const region = r.pick({ north: 0.3, south: 0.25, east: 0.25, west: 0.2 });
  const contract = r.pick(
    drifted
      ? { 'month-to-month': 0.72, 'one-year': 0.18, 'two-year': 0.1 }
      : { 'month-to-month': 0.5, 'one-year': 0.3, 'two-year': 0.2 },
  );
  const meanTenure = { 'month-to-month': 14, 'one-year': 30, 'two-year': 46 }[contract];
  let tenure = Math.round(clamp(-meanTenure * Math.log(1 - r.next()), 0, 72));
  if (drifted && r.next() < 0.35) tenure = Math.floor(r.next() * 4); // the promotion's sign-ups
  const internet = r.pick({ dsl: 0.35, fiber: 0.45, none: 0.2 });
  const base = { none: 22, dsl: 55, fiber: 88 }[internet];
  const charges = round2(
    clamp((base + 8 * r.normal() + (r.next() < 0.3 ? 10 : 0)) * (drifted ? 1.12 : 1), 18, 160),
  );
  const payment = r.pick(
    drifted
      ? { electronic_check: 0.5, mailed_check: 0.15, bank_transfer: 0.17, credit_card: 0.18 }
      : { electronic_check: 0.33, mailed_check: 0.22, bank_transfer: 0.22, credit_card: 0.23 },
  );
  const paperless = r.next() < 0.6;
  const calls = r.poisson(1.1 + (internet === 'fiber' ? 0.5 : 0) + (drifted ? 1.2 : 0));
  const age = Math.round(clamp(45 + 14 * r.normal(), 18, 90));
  // New customers have no total yet (an empty cell, as in the well-known Telco data).
  const total = tenure === 0 ? null : round2(tenure * charges * (0.95 + 0.1 * r.next()));

  const logit =
    -2.0 +
    1.3 * (contract === 'month-to-month') -
    0.9 * (contract === 'two-year') -
    0.035 * tenure +
    0.02 * (charges - 65) +
    0.38 * calls +
    0.55 * (payment === 'electronic_check') +
    0.3 * (internet === 'fiber') +
    0.2 * paperless -
    0.006 * (age - 45);
  const churned = r.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;

  return {
    customer_id: `C${String(id).padStart(6, '0')}`,
    observed_at: seen.toISOString().slice(0, 10),
    region,
    age: r.next() < 0.04 ? null : age, // some ages were never collected
    contract,
    tenure_months: tenure,
    internet_service: internet,
    monthly_charges: charges,
    total_charges: total !== null && r.next() < 0.01 ? null : total,
    payment_method: r.next() < 0.02 ? null : payment,
    paperless_billing: paperless,
    support_calls: calls,
    churned,
  };
}

function toCsv(rows, columns) {
  const cell = (v) => (v === null || v === undefined ? '' : String(v));
  return [columns.join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))]
    .join('\n')
    .concat('\n');
}

const r = rng(Number(args.seed));
const history = [];
let id = 1;
for (let m = 0; m < 12; m++) {
  const month = new Date(Date.UTC(2024, m, 1));
  for (let i = 0; i < rowsPerMonth; i++) history.push(customer(r, id++, month, false));
}
const next = [];
for (let i = 0; i < Math.round(rowsPerMonth * 1.5); i++) {
  next.push(customer(r, id++, new Date(Date.UTC(2025, 0, 1)), true));
}

const columns = Object.keys(history[0]);
mkdirSync(args.out, { recursive: true });
writeFileSync(join(args.out, 'customers.csv'), toCsv(history, columns));
writeFileSync(
  join(args.out, 'next_month.csv'),
  toCsv(
    next,
    columns.filter((c) => c !== 'churned'),
  ),
);
const rate = history.reduce((s, x) => s + x.churned, 0) / history.length;
console.log(
  `wrote ${join(args.out, 'customers.csv')} (${history.length} rows, churn rate ${(100 * rate).toFixed(1)}%) and ${join(args.out, 'next_month.csv')} (${next.length} rows, unlabelled)`,
);
