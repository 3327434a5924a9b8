// Runs every benchmark, one after another, and writes what they print to
// bench/out/latest.txt (the figures in bench/RESULTS.md come from such a run).
// Each script measures its reference tool in the same run and prints ratios.
//   usage: npm run build:fast && node bench/run-all.mjs [name ...]
// Python peers (pandas, scipy, sklearn, Flask) are used when Debian's packages are
// installed (apt-get install python3-pandas python3-scipy python3-sklearn
// python3-flask gunicorn wrk); the scripts say so when they are not.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const BENCHES = [
  ['startup', ['startup.mjs', '30']],
  ['data-add-big', ['data-add-big.mjs', '1024', '3']],
  ['data-add-many', ['data-add-many.mjs', '100000']],
  ['track-ingest', ['track-ingest.mjs']],
  ['exec-startup', ['exec-startup.mjs', '20']],
  ['runs-list', ['runs-list.mjs']],
  ['repro-noop', ['repro-noop.mjs']],
  ['io-read', ['io-read.mjs']],
  ['io-parquet-memory', ['io-parquet-memory.mjs']],
  ['validate', ['validate.mjs']],
  ['metrics', ['metrics.mjs']],
  ['onnx-run', ['onnx-run.mjs']],
  ['eval', ['eval.mjs']],
  ['drift-stats', ['drift-stats.mjs']],
  ['drift', ['drift.mjs']],
  ['serve', ['serve.mjs']],
];

const only = new Set(process.argv.slice(2));
const out = [`# bench run ${new Date().toISOString()}`, `node ${process.version}`];
for (const [name, args] of BENCHES) {
  if (only.size && !only.has(name)) continue;
  const header = `\n## ${name}: node bench/${args.join(' ')}`;
  console.log(header);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', args[0]), ...args.slice(1)], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  const body = `${r.stdout}${r.status === 0 ? '' : `\n(exit ${r.status})`}\n(${((Date.now() - t0) / 1000).toFixed(0)} s)`;
  console.log(body);
  out.push(header, body);
}
mkdirSync(join(ROOT, 'bench/out'), { recursive: true });
writeFileSync(join(ROOT, 'bench/out/latest.txt'), out.join('\n') + '\n');
