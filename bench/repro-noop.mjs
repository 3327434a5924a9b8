// `mlo repro` with nothing to do: 50 stages over 10,000 dependency files, under 1 s,
// with the hash state reused (no dependency file opened: checked with strace).
// Anchors: DVC 3 took 634 ms for a no-op repro of 100 stages and 605 ms for 10.
// usage: node bench/repro-noop.mjs [stages] [files]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshRepo, median, mlo, sh, timed, workDir, MLO } from './lib.mjs';

const stages = Number(process.argv[2] ?? 50);
const files = Number(process.argv[3] ?? 10_000);
const DVC_100_STAGES_MS = 634;
const base = workDir('repro-noop');
const repo = freshRepo(base);
const perStage = Math.ceil(files / stages);
for (let s = 0; s < stages; s++) {
  const dir = join(repo, 'data', `shard-${String(s).padStart(2, '0')}`);
  mkdirSync(dir, { recursive: true });
  for (let f = 0; f < perStage && s * perStage + f < files; f++)
    writeFileSync(join(dir, `f${f}.txt`), `shard ${s} file ${f}\n`.repeat(64));
}
mkdirSync(join(repo, 'src'), { recursive: true });
// each stage reads its shard (a directory dep) and the shared script, and writes a summary
writeFileSync(
  join(repo, 'src/stage.cjs'),
  `const fs = require('fs');
const i = process.argv[2];
const dir = 'data/shard-' + i;
const n = fs.readdirSync(dir).length;
fs.mkdirSync('out', { recursive: true });
fs.writeFileSync('out/' + i + '.txt', String(n));
`,
);
const yaml = ['stages:'];
for (let s = 0; s < stages; s++) {
  const i = String(s).padStart(2, '0');
  yaml.push(
    `  s${i}:`,
    `    cmd: node src/stage.cjs ${i}`,
    `    deps: [data/shard-${i}, src/stage.cjs]`,
    `    outs: [out/${i}.txt]`,
  );
}
writeFileSync(join(repo, 'mlo.yaml'), yaml.join('\n') + '\n');
sh('git add -A >/dev/null && git -c user.email=b@b -c user.name=b commit -qm bench', { cwd: repo });

const first = mlo(['repro', '-j', '2'], { cwd: repo, noRss: true });
console.log(`stages: ${stages}, dependency files: ${files} (${perStage} per stage directory)`);
console.log(`first repro (runs every stage, -j 2): ${(first.ms / 1000).toFixed(1)} s`);
const rounds = 5;
const t = { node: [], noop: [] };
let rss;
for (let i = 0; i < rounds; i++) {
  t.node.push(timed(process.execPath, ['-e', '0'], { noRss: true }).ms);
  const r = mlo(['repro', '--json'], { cwd: repo });
  if (!JSON.parse(r.stdout).stages.every((s) => s.outcome === 'skipped'))
    throw new Error('a stage was not skipped');
  t.noop.push(r.ms);
  rss = r.rssMb;
}
let opened = 'n/a (strace missing)';
if (existsSync('/usr/bin/strace')) {
  const log = join(base, 'noop.strace');
  timed(
    '/usr/bin/strace',
    ['-f', '-e', 'trace=open,openat', '-o', log, process.execPath, MLO, 'repro'],
    { cwd: repo, noRss: true },
  );
  opened = `${sh(`grep -c '${repo}/data/.*txt' "${log}" || true`).stdout.trim()} dependency files opened`;
}
const noop = median(t.noop);
console.log(`node -e 0                : ${median(t.node).toFixed(0)} ms`);
console.log(
  `mlo repro (nothing to do): ${noop.toFixed(0)} ms (target < 1000 ms), peak RSS ${rss.toFixed(0)} MB; ${opened}`,
);
console.log(
  `DVC 3 no-op repro of 100 stages: ${DVC_100_STAGES_MS} ms -> ratio ${(noop / DVC_100_STAGES_MS).toFixed(2)}`,
);
