// A store for the UI benches: N runs × 20 params × 20 metrics (one point each) in 5
// experiments, 3 stages and sweeps of 50, plus 10 runs ("curve-0".."curve-9") whose 20
// metrics have 10,000 steps each, written through recordRuns (one transaction per
// 5,000 runs), not N CLI calls. Kept under bench/out/ui-<N>/ and reused.
//   node bench/ui-gen.mjs [runs]       prints the repo's path
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshRepo, workDir, ROOT } from './lib.mjs';

const PARAMS = 20;
const METRICS = 20;
const CURVES = 10;
const STEPS = 10_000;

/** A deterministic pseudo-random stream (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function seedUiStore(runs) {
  const base = workDir(`ui-${runs}`);
  const marker = join(base, 'repo.json');
  if (existsSync(marker)) {
    const { repo } = JSON.parse((await import('node:fs')).readFileSync(marker, 'utf8'));
    if (existsSync(repo)) return repo;
  }
  const dir = freshRepo(base);
  const { openRepo, recordRuns } = await import(join(ROOT, 'dist/index.js'));
  const repo = openRepo(dir);
  const rand = rng(42);
  const t0 = Date.UTC(2024, 0, 1);
  const models = ['rf', 'svm', 'lr', 'xgb'];
  const stages = ['prepare', 'train', 'evaluate'];
  const started = performance.now();
  const one = (i) => {
    const params = { model: models[i % 4] };
    for (let k = 1; k < PARAMS; k++) params[`p${k}`] = String(Math.floor(rand() * 17) * k);
    const metrics = {};
    for (let k = 0; k < METRICS; k++) metrics[`m${k}`] = rand();
    return {
      name: `run-${i}`,
      experiment: `exp${i % 5}`,
      stage: stages[i % 3],
      status: i % 11 === 0 ? 'failed' : 'finished',
      startMs: t0 + i * 60_000,
      endMs: t0 + i * 60_000 + 30_000,
      params,
      tags: { team: `t${i % 7}`, 'mlo.sweep': `sweep-${Math.floor(i / 50)}` },
      metrics,
    };
  };
  for (let i = 0; i < runs; i += 5000) {
    const batch = [];
    for (let j = i; j < Math.min(runs, i + 5000); j++) batch.push(one(j));
    recordRuns(repo, batch);
  }
  const curves = [];
  for (let c = 0; c < CURVES; c++) {
    const metrics = {};
    for (let k = 0; k < METRICS; k++) {
      const values = new Float64Array(STEPS);
      for (let s = 0; s < STEPS; s++)
        values[s] = Math.exp(-s / (1500 + 300 * c + 50 * k)) + 0.02 * rand();
      metrics[`m${k}`] = { values };
    }
    curves.push({
      name: `curve-${c}`,
      experiment: 'curves',
      stage: 'train',
      startMs: t0 + (runs + c) * 60_000,
      endMs: t0 + (runs + c) * 60_000 + STEPS * 1000,
      params: { model: models[c % 4], lr: String(0.001 * (c + 1)), depth: String(3 + (c % 4)) },
      tags: { 'mlo.sweep': 'curves' },
      metrics,
    });
  }
  recordRuns(repo, curves);
  repo.close();
  const s = ((performance.now() - started) / 1000).toFixed(1);
  console.error(
    `seeded ${runs} runs × ${PARAMS} params × ${METRICS} metrics + ${CURVES} runs × ${METRICS} × ${STEPS} steps in ${s} s`,
  );
  writeFileSync(marker, JSON.stringify({ repo: dir }));
  return dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await seedUiStore(Number(process.argv[2] ?? 100_000)));
}
