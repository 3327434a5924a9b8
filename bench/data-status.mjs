// A no-change `mlo status` over one tracked directory of N small files vs `git status`
// on the same tree (a second copy committed to git), alternated in the same run.
// Target: mlo <= 1.5x git status.   usage: node bench/data-status.mjs [files] [rounds]
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cleanup, fmt, freshRepo, median, mlo, ratio, sh, timed, workDir } from './lib.mjs';

const files = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);
const base = workDir('status');
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

// mlo: the tree tracked as one directory
const repo = freshRepo(base);
sh(`cp -al "${src}" "${repo}/data"`);
mlo(['add', 'data'], { cwd: repo, noRss: true });
// The first status after a change checks every object and seals the cache; ctimes
// younger than a second are not trusted, so let them settle first (as git's racy
// index entries, the steady state is what repeated status calls see).
await new Promise((resolve) => setTimeout(resolve, 1200));
mlo(['status'], { cwd: repo, noRss: true });
// git: the same tree committed, in a repository of its own
const gitRepo = join(base, `git-${files}`);
cleanup(gitRepo);
sh(
  `mkdir -p "${gitRepo}" && cd "${gitRepo}" && git init -q && cp -al "${src}" data && git add -A && git -c user.name=b -c user.email=b@b commit -qm seed && git status --porcelain >/dev/null`,
);
const git = [];
const ours = [];
for (let i = 0; i < rounds; i++) {
  git.push(timed('git', ['status', '--porcelain'], { cwd: gitRepo, noRss: true }).ms);
  const r = mlo(['status'], { cwd: repo, noRss: true });
  if (!r.stdout.includes('up to date') && r.stdout.trim() !== '' && !/ok/.test(r.stdout))
    throw new Error(`unexpected status output: ${r.stdout}`);
  ours.push(r.ms);
}
const g = median(git);
const m = median(ours);
console.log(`files: ${files} of 1 KiB, ${rounds} rounds alternated (medians)`);
console.log(`git status --porcelain : ${fmt(g)}`);
console.log(`mlo status             : ${fmt(m)}   ratio ${ratio(m, g)} (target <= 1.50)`);
cleanup(repo);
cleanup(gitRepo);
