// Two builds of mlo and git alternated on one tree, for a change whose cost to a
// no-change `mlo status` is smaller than the noise between separate runs. The order of
// the two builds swaps every round (whichever runs right after git was measured
// faster). Medians and ratios to git.
//
//   node bench/status-ab.mjs OLD_CLI NEW_CLI MLO_REPO GIT_REPO [rounds]
//
// OLD_CLI/NEW_CLI: dist/cli.js of two checkouts (e.g. a `git worktree` of the commit
// before, built with `npm run build:fast`); MLO_REPO: a repository with a tracked,
// unchanged directory; GIT_REPO: the same files committed to git (bench/data-status.mjs
// makes both under bench/out/status when run with a large enough file count).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { median } from './lib.mjs';

const [oldCli, newCli, mloRepo, gitRepo] = process.argv.slice(2).map((p) => p && resolve(p));
const rounds = Number(process.argv[6] ?? 21);
if (!gitRepo) {
  console.error('usage: node bench/status-ab.mjs OLD_CLI NEW_CLI MLO_REPO GIT_REPO [rounds]');
  process.exit(2);
}
const sides = {
  git: () => spawnSync('git', ['status', '--porcelain'], { cwd: gitRepo }),
  old: () => spawnSync(process.execPath, [oldCli, 'status'], { cwd: mloRepo }),
  new: () => spawnSync(process.execPath, [newCli, 'status'], { cwd: mloRepo }),
};
const times = { git: [], old: [], new: [] };
for (const run of Object.values(sides)) run(); // warm the page cache
for (let i = 0; i < rounds; i++) {
  for (const k of i % 2 ? ['git', 'new', 'old'] : ['git', 'old', 'new']) {
    const t0 = performance.now();
    const r = sides[k]();
    if (r.status !== 0) throw new Error(`${k} failed: ${r.stderr}`);
    times[k].push(performance.now() - t0);
  }
}
const g = median(times.git);
for (const [k, t] of Object.entries(times))
  console.log(
    `${k.padEnd(4)} ${median(t).toFixed(0).padStart(5)} ms  ${(median(t) / g).toFixed(2)}x git`,
  );
