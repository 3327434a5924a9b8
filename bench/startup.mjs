// Start-up cost: `mlo --version` <= 2 x `node -e 0`; `mlo status` on a small repo
// <= 3 x `node -e 0`. Interleaved rounds, medians.   usage: node bench/startup.mjs [rounds]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, freshRepo, median, mlo, ratio, timed } from './lib.mjs';

const rounds = Number(process.argv[2] ?? 30);
const repo = freshRepo();
writeFileSync(join(repo, 'a.csv'), 'x,y\n1,2\n');
mlo(['add', 'a.csv'], { cwd: repo, noRss: true });
const t = { node: [], version: [], help: [], status: [] };
for (let i = 0; i < rounds; i++) {
  t.node.push(timed(process.execPath, ['-e', '0'], { noRss: true }).ms);
  t.version.push(mlo(['--version'], { noRss: true }).ms);
  t.help.push(mlo(['--help'], { noRss: true }).ms);
  t.status.push(mlo(['status'], { cwd: repo, noRss: true }).ms);
}
const n = median(t.node);
console.log(`node -e 0      : ${median(t.node).toFixed(0)} ms`);
console.log(
  `mlo --version  : ${median(t.version).toFixed(0)} ms  ratio ${ratio(median(t.version), n)} (target <= 2)`,
);
console.log(`mlo --help     : ${median(t.help).toFixed(0)} ms  ratio ${ratio(median(t.help), n)}`);
console.log(
  `mlo status     : ${median(t.status).toFixed(0)} ms  ratio ${ratio(median(t.status), n)} (target <= 3)`,
);
cleanup(repo);
