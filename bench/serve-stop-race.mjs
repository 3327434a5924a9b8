// How often `mlo serve` dies outright when SIGTERM comes the moment it prints
// "listening on" (what a supervisor or a test does), instead of stopping gracefully.
// Start and stop it N times, optionally with busy loops on every core (the race only
// shows under load), and count the exits by signal. A build that handles the signal
// from the start of the command counts none.
//
//   npm run build:fast && node bench/serve-stop-race.mjs [--cli dist/cli.js] [--runs 25] [--hogs 3]
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cleanup, freshRepo, mlo, ROOT } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const cli = resolve(arg('cli', join(ROOT, 'dist/cli.js')));
const runs = Number(arg('runs', '25'));
const hogs = Number(arg('hogs', '3'));

const { buildLinearClassifier } = await import('../dist/index.js');
const dir = freshRepo();
writeFileSync(
  join(dir, 'm.onnx'),
  await buildLinearClassifier({ coefficients: [[0.5, -1, 2]], intercepts: [0.2] }),
);
mlo(['model', 'register', 'churn', 'm.onnx', '--features', 'a,b,c'], { cwd: dir, noRss: true });

const busy = Array.from({ length: hogs }, () =>
  spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }),
);
let clean = 0;
let killed = 0;
let other = 0;
try {
  for (let i = 0; i < runs; i++) {
    const child = spawn(process.execPath, [cli, 'serve', 'churn@1', '--port', '0'], { cwd: dir });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d) => {
      out += d;
      if (!sent && out.includes('listening on')) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.resume();
    const [code, signal] = await new Promise((r) => child.on('exit', (c, s) => r([c, s])));
    if (signal) killed++;
    else if (code === 0 && out.includes('stopped:')) clean++;
    else other++;
  }
} finally {
  for (const b of busy) b.kill('SIGKILL');
  cleanup(dir);
}
console.log(
  `${runs} starts of ${cli}, SIGTERM on "listening on", ${hogs} busy loops: ` +
    `${clean} stopped gracefully, ${killed} killed by the signal, ${other} other`,
);
