// mlo add of a directory of 100,000 files of 1 KiB vs
// `find DIR -type f | xargs openssl dgst -sha256` (targets: <= 1.2x at 100,000 files,
// <= 1.5x at 20,000), then a no-change `mlo status`,
// which must take under 1 s and open none of the data files (checked with strace).
// usage: node bench/data-add-many.mjs [files]
import { existsSync, mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cleanup, fmt, freshRepo, mlo, ratio, sh, timed, workDir, MLO } from './lib.mjs';

const files = Number(process.argv[2] ?? 100_000);
const base = workDir('add-many');
const src = join(base, `src-${files}`);
if (!existsSync(src) || readdirSync(src).length === 0) {
  mkdirSync(src, { recursive: true });
  const perDir = 1000;
  for (let d = 0; d * perDir < files; d++) {
    mkdirSync(join(src, `d${d}`), { recursive: true });
    for (let i = 0; i < perDir && d * perDir + i < files; i++)
      writeFileSync(join(src, `d${d}`, `f${i}.bin`), randomBytes(1024));
  }
}

const repo = freshRepo(base);
sh(`cp -al "${src}" "${repo}/data"`); // hard links: same inodes, warm cache, no copy cost
const ref = sh(`find "${repo}/data" -type f | xargs openssl dgst -sha256 > /dev/null`);
const add = mlo(['add', 'data'], { cwd: repo });
const ref2 = sh(`find "${repo}/data" -type f | xargs openssl dgst -sha256 > /dev/null`);
const refMs = Math.min(ref.ms, ref2.ms);
const status = mlo(['status', '--json'], { cwd: repo });
const status2 = mlo(['status', '--json'], { cwd: repo });
const readd = mlo(['add', 'data'], { cwd: repo });
let opened = 'n/a (strace missing)';
if (existsSync('/usr/bin/strace')) {
  const tr = timed(
    '/usr/bin/strace',
    [
      '-f',
      '-e',
      'trace=open,openat',
      '-o',
      join(base, 'status.strace'),
      process.execPath,
      MLO,
      'status',
    ],
    { cwd: repo, noRss: true },
  );
  void tr;
  const log = sh(
    `grep -E 'open(at)?\\(.*${repo}/data/d[0-9]+/f' "${join(base, 'status.strace')}" | grep -vc O_DIRECTORY || true`,
  ).stdout.trim();
  opened = `${log} data files opened`;
}
console.log(`files: ${files} of 1 KiB`);
console.log(`find | xargs openssl dgst : ${fmt(refMs)}`);
console.log(
  `mlo add                   : ${fmt(add.ms)}   ratio ${ratio(add.ms, refMs)} (target <= ${files >= 100_000 ? '1.20' : '1.50'}), peak RSS ${add.rssMb.toFixed(0)} MB`,
);
console.log(
  `mlo status (no change)    : ${fmt(Math.min(status.ms, status2.ms))} (target < 1 s); ${opened}`,
);
console.log(`mlo add again (no-op)     : ${fmt(readd.ms)}`);
cleanup(repo);
