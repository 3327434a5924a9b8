// Placeholder replaced as capabilities land: runs the data-versioning walk-through.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../bin/mlo.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mlo-demo-'));
const sh = (cmd, args) => {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(
    cmd === 'mlo' ? process.execPath : cmd,
    cmd === 'mlo' ? [bin, ...args] : args,
    { cwd: dir, stdio: 'inherit' },
  );
  if (r.status !== 0 && !(cmd === 'mlo' && args[0] === 'status')) process.exit(r.status ?? 1);
};
console.log(`demo project: ${dir}`);
sh('git', ['init', '-q']);
sh('mlo', ['init']);
mkdirSync(join(dir, 'data'));
writeFileSync(
  join(dir, 'data/train.csv'),
  'x,y\n' + Array.from({ length: 1000 }, (_, i) => `${i},${i % 2}`).join('\n') + '\n',
);
sh('mlo', ['add', 'data/train.csv']);
sh('mlo', ['status']);
appendFileSync(join(dir, 'data/train.csv'), '1000,0\n');
sh('mlo', ['status']);
sh('mlo', ['checkout', '--force']);
sh('mlo', ['status']);

// --- run tracking and pipelines -------------------------------------------------
mkdirSync(join(dir, 'src'));
writeFileSync(
  join(dir, 'src/train.js'),
  `// a toy "training": reads params.yaml, logs a loss curve through MLO_LOG, writes a model
const fs = require('fs');
const lr = Number(/lr: ([0-9.]+)/.exec(fs.readFileSync('params.yaml', 'utf8'))[1]);
const rows = fs.readFileSync('data/train.csv', 'utf8').trim().split('\\n').length - 1;
let loss = 1;
for (let step = 0; step < 20; step++) {
  loss *= 1 - lr;
  fs.appendFileSync(process.env.MLO_LOG, JSON.stringify({ metric: 'loss', value: loss, step }) + '\\n');
}
fs.mkdirSync('models', { recursive: true });
fs.writeFileSync('models/model.json', JSON.stringify({ lr, rows }));
fs.writeFileSync('metrics.json', JSON.stringify({ loss, accuracy: 1 - loss / 2 }));
console.log('trained on', rows, 'rows with lr', lr);
`,
);
writeFileSync(join(dir, 'params.yaml'), 'train:\n  lr: 0.1\n');
writeFileSync(
  join(dir, 'mlo.yaml'),
  'stages:\n  train:\n    cmd: node src/train.js\n    deps: [data/train.csv, src/train.js]\n    params: [train.lr]\n    outs: [models]\n    metrics: [metrics.json]\n',
);
sh('mlo', ['exec', '--name', 'by-hand', '--param', 'lr=0.1', '--', 'node', 'src/train.js']);
sh('mlo', ['repro']);
sh('mlo', ['repro']);
sh('mlo', ['repro', '--set', 'train.lr=0.2']);
sh('mlo', ['exp', 'run', '--set', 'train.lr=0.05,0.3']);
sh('mlo', ['exp', 'show']);
sh('mlo', [
  'runs',
  'list',
  '--filter',
  "metrics.accuracy > 0.6 or name = 'by-hand'",
  '--sort',
  'metrics.accuracy:desc',
]);
sh('mlo', ['dag', '--mermaid']);
