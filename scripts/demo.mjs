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
