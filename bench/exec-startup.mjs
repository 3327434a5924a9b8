// `mlo exec` start-up with the watchdog that stops a command when mlo dies: the
// whole `mlo exec -- true` against `node -e 0`, and what the watchdog alone costs
// (spawning its /bin/sh, handing it the "done" line, seeing it exit), measured in
// process. Interleaved rounds, medians.   usage: node bench/exec-startup.mjs [rounds]
import { spawn } from 'node:child_process';
import { cleanup, freshRepo, median, mlo, ratio, timed } from './lib.mjs';

const rounds = Number(process.argv[2] ?? 20);
const repo = freshRepo();

/** One watchdog's life as mlo lives it: spawn, write the line, let it go. */
function watchdogOnce() {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const dog = spawn('/bin/sh', ['-c', 'if read -r _; then exit 0; fi; kill -TERM $1', 'w', '1'], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    const spawned = Number(process.hrtime.bigint() - t0) / 1e6;
    dog.stdin.end('done\n');
    dog.on('exit', () => resolve(spawned));
  });
}

const t = { node: [], exec: [], dog: [] };
for (let i = 0; i < rounds; i++) {
  t.node.push(timed(process.execPath, ['-e', '0'], { noRss: true }).ms);
  t.exec.push(mlo(['exec', '--', 'true'], { cwd: repo, noRss: true }).ms);
  t.dog.push(await watchdogOnce());
}
const n = median(t.node);
console.log(`node -e 0              : ${n.toFixed(0)} ms`);
console.log(
  `mlo exec -- true       : ${median(t.exec).toFixed(0)} ms  ratio ${ratio(median(t.exec), n)}`,
);
console.log(
  `watchdog spawn (in mlo): ${median(t.dog).toFixed(2)} ms  = ${((100 * median(t.dog)) / median(t.exec)).toFixed(1)}% of mlo exec`,
);
cleanup(repo);
