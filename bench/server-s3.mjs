// An mlo server whose objects live in S3 (`mlo server init DIR --objects s3://...`),
// against s3rver on 127.0.0.1, in the same run as a push and pull straight to the
// same S3 store (an S3 remote): the hub's extra hop costs the ratio printed here.
// Also the server's peak RSS after moving a big object both ways: uploads go through
// a temp file and downloads stream, so it stays near its idle size whatever the object.
// The server, s3rver and the client share the machine's cores: ratios, not rates.
// usage: node bench/server-s3.mjs [--files N] [--big-mib M]
// defaults: 2,000 files of 4 KiB, one 512 MiB file.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanup, fmt, freshRepo, mlo, MLO, ratio, workDir } from './lib.mjs';
import { makeToken, startServerProcess } from './server-lib.mjs';
import { startS3rver } from '../test/helpers/s3rver.mjs';

const { values: opts } = parseArgs({
  options: {
    files: { type: 'string', default: '2000' },
    'big-mib': { type: 'string', default: '512' },
  },
});
const files = Number(opts.files);
const bigMib = Number(opts['big-mib']);
const base = workDir('server-s3');
rmSync(base, { recursive: true, force: true });
mkdirSync(base, { recursive: true });
const s3 = await startS3rver({ directory: join(base, 's3rver') });
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
});
const store = join(base, 'hub');
const init = spawnSync(
  process.execPath,
  [MLO, 'server', 'init', store, '--objects', 's3://mlo/hub', '--endpoint', s3.endpoint],
  { encoding: 'utf8' },
);
if (init.status !== 0) throw new Error(init.stderr);
const token = makeToken(store, 'bench');
const hub = await startServerProcess(store);
const env = { MLO_TOKEN: token };
const m = (args, cwd) => mlo(args, { cwd, env, noRss: true });
const mibs = (mib, ms) => `${((mib / ms) * 1000).toFixed(0)} MiB/s`;
/** the server's peak resident set so far (Linux), MiB */
const serverPeakMib = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${hub.child.pid}/status`, 'utf8'));
  return m ? (Number(m[1]) / 1024).toFixed(0) : '?';
};

function setupRepo(name, populate) {
  const repo = freshRepo(base);
  populate(repo);
  m(['add', 'data'], repo);
  m(['remote', 'add', 'hub', hub.url], repo);
  m(['remote', 'add', 's3', `s3://mlo/direct-${name}`, '--endpoint', s3.endpoint], repo);
  return repo;
}

function emptyWorkspace(repo) {
  rmSync(join(repo, '.mlo/cache'), { recursive: true, force: true });
  rmSync(join(repo, 'data'), { recursive: true, force: true });
}

/** push and pull through the hub and straight to S3; prints a line each and the ratios */
function compare(label, repo, amount, unit) {
  const viaHub = m(['push', '-r', 'hub'], repo);
  const direct = m(['push', '-r', 's3'], repo);
  emptyWorkspace(repo);
  const pullHub = m(['pull', '-r', 'hub'], repo);
  emptyWorkspace(repo);
  const pullDirect = m(['pull', '-r', 's3'], repo);
  const r = (ms) => (unit === 'MiB' ? mibs(amount, ms) : `${((amount / ms) * 1000).toFixed(0)}/s`);
  console.log(label);
  console.log(`  push to the S3 remote  : ${fmt(direct.ms)} (${r(direct.ms)})`);
  console.log(
    `  push through the hub   : ${fmt(viaHub.ms)} (${r(viaHub.ms)})  speed vs direct ${ratio(direct.ms, viaHub.ms)}x`,
  );
  console.log(`  pull from the S3 remote: ${fmt(pullDirect.ms)} (${r(pullDirect.ms)})`);
  console.log(
    `  pull through the hub   : ${fmt(pullHub.ms)} (${r(pullHub.ms)})  speed vs direct ${ratio(pullDirect.ms, pullHub.ms)}x`,
  );
}

try {
  console.log(`server idle peak RSS: ${serverPeakMib()} MiB`);
  const small = setupRepo('small', (r) => {
    mkdirSync(join(r, 'data'), { recursive: true });
    for (let i = 0; i < files; i++) writeFileSync(join(r, 'data', `f${i}.bin`), randomBytes(4096));
  });
  compare(`small files: ${files} x 4 KiB`, small, files, 'files');
  cleanup(small);
  const big = setupRepo('big', (r) => {
    mkdirSync(join(r, 'data'), { recursive: true });
    const fd = openSync(join(r, 'data', 'big.bin'), 'w');
    const chunk = randomBytes(1 << 20);
    for (let i = 0; i < bigMib; i++) {
      chunk[0] = i & 255;
      writeSync(fd, chunk);
    }
    closeSync(fd);
  });
  compare(`one file of ${bigMib} MiB`, big, bigMib, 'MiB');
  console.log(`server peak RSS after it all: ${serverPeakMib()} MiB (object: ${bigMib} MiB)`);
  cleanup(big);
} finally {
  await hub.stop();
  await s3.stop();
}
