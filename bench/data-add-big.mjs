// mlo add of a 1 GiB file vs `openssl dgst -sha256 FILE` + `cp FILE` on the same disk,
// measured in the same run with a warm page cache for all three. Target: ratio <= 0.7,
// peak RSS < 150 MB.   usage: node bench/data-add-big.mjs [sizeMiB] [rounds]
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cleanup, fmt, freshRepo, median, mlo, ratio, sh, timed, workDir } from './lib.mjs';

const sizeMiB = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 3);
const base = workDir('add-big');
const file = join(base, `data-${sizeMiB}m.bin`);

if (!existsSync(file) || statSync(file).size !== sizeMiB << 20) {
  const out = createWriteStream(file);
  const chunk = randomBytes(1 << 20);
  for (let i = 0; i < sizeMiB; i++) {
    chunk[0] = i & 255; // distinct chunks
    if (!out.write(Buffer.from(chunk))) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

const ref = [];
const ours = [];
const rss = [];
for (let i = 0; i < rounds; i++) {
  const dgst = timed('openssl', ['dgst', '-sha256', file], { noRss: true });
  const cp = sh(`cp "${file}" "${base}/copy.bin" && rm -f "${base}/copy.bin"`);
  ref.push(dgst.ms + cp.ms);
  const repo = freshRepo(base);
  sh(`ln "${file}" "${repo}/data.bin"`); // same file, no copy: warm cache for everyone
  const r = mlo(['add', 'data.bin'], { cwd: repo });
  ours.push(r.ms);
  rss.push(r.rssMb);
  cleanup(repo);
}
const refMs = median(ref);
const ourMs = median(ours);
console.log(`file: ${sizeMiB} MiB, ${rounds} rounds (medians)`);
console.log(`openssl dgst + cp : ${fmt(refMs)}`);
console.log(`mlo add           : ${fmt(ourMs)}   ratio ${ratio(ourMs, refMs)} (target <= 0.70)`);
console.log(`mlo add peak RSS  : ${Math.max(...rss).toFixed(0)} MB (target < 150 MB)`);
