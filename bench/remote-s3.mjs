// mlo push/pull against an S3 protocol server (s3rver on 127.0.0.1, started here),
// in the same run as:
//   - a plain loop of the AWS SDK (PutObject/GetObject, lib-storage Upload) at the same
//     concurrency (bench/remote-sdk-loop.mjs): goal mlo >= 0.9x its speed;
//   - mlo with a directory remote;
//   - a push of the unchanged repository: goal < 2 s at 100,000 objects.
// The server is the bottleneck for everyone here (it runs on the same 2 cores); the
// ratios are what this measures, not the absolute rates.
// usage: node bench/remote-s3.mjs [--files N] [--big-mib M] [--jobs J] [--only small|big]
// defaults: 100,000 files of 1 KiB, one 2 GiB file, 16 jobs.
import { mkdirSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanup, fmt, freshRepo, mlo, ratio, timed, workDir, ROOT } from './lib.mjs';
import { startS3rver } from '../test/helpers/s3rver.mjs';

const { values: opts } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    'big-mib': { type: 'string', default: '2048' },
    jobs: { type: 'string', default: '16' },
    only: { type: 'string' },
  },
});
const files = Number(opts.files);
const bigMib = Number(opts['big-mib']);
const jobs = String(opts.jobs);
const base = workDir('remote-s3');
const serverDir = join(base, 's3rver');
rmSync(serverDir, { recursive: true, force: true });
const server = await startS3rver({ directory: serverDir });
const env = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};
const loop = (args) =>
  timed(
    process.execPath,
    [join(ROOT, 'bench/remote-sdk-loop.mjs'), args[0], server.endpoint, 'mlo', ...args.slice(1)],
    { noRss: true, env },
  );
const m = (args, cwd) => mlo(args, { cwd, env, noRss: true });
const rate = (n, ms) => `${((n / ms) * 1000).toFixed(0)}/s`;
const mibs = (mib, ms) => `${((mib / ms) * 1000).toFixed(0)} MiB/s`;

function setupRepo(name, populate) {
  const repo = freshRepo(base);
  populate(repo);
  m(['add', 'data'], repo);
  m(['remote', 'add', 's3', `s3://mlo/${name}`, '--endpoint', server.endpoint], repo);
  m(['remote', 'add', 'dir', join(base, `dir-${name}`)], repo);
  return repo;
}

function emptyWorkspace(repo) {
  rmSync(join(repo, '.mlo/cache'), { recursive: true, force: true });
  rmSync(join(repo, 'data'), { recursive: true, force: true });
}

try {
  if (opts.only !== 'big') {
    const repo = setupRepo('small', (r) => {
      const perDir = 1000;
      for (let d = 0; d * perDir < files; d++) {
        mkdirSync(join(r, 'data', `d${d}`), { recursive: true });
        for (let i = 0; i < perDir && d * perDir + i < files; i++)
          writeFileSync(join(r, 'data', `d${d}`, `f${i}.bin`), randomBytes(1024));
      }
    });
    const refPut = loop(['put-files', 'ref-small', join(repo, 'data'), jobs]);
    const push = m(['push', '-r', 's3', '--jobs', jobs, '--json'], repo);
    const noop = m(['push', '-r', 's3', '--json'], repo);
    const noopJson = JSON.parse(noop.stdout);
    const dirPush = m(['push', '-r', 'dir', '--jobs', jobs], repo);
    const refDest = join(base, 'ref-small-get');
    rmSync(refDest, { recursive: true, force: true });
    const keysFile = join(base, 'ref-small.keys.json');
    writeFileSync(keysFile, refPut.stdout);
    const refGet = loop(['get-files', 'ref-small', refDest, jobs, keysFile]);
    emptyWorkspace(repo);
    const pull = m(['pull', '-r', 's3', '--jobs', jobs], repo);
    emptyWorkspace(repo);
    const dirPull = m(['pull', '-r', 'dir', '--jobs', jobs], repo);
    const requests = Object.values(noopJson.requests).reduce((a, b) => a + b, 0);
    console.log(`small files: ${files} x 1 KiB, ${jobs} jobs, s3rver on 127.0.0.1`);
    console.log(`  SDK PutObject loop     : ${fmt(refPut.ms)} (${rate(files, refPut.ms)})`);
    console.log(
      `  mlo push (s3)          : ${fmt(push.ms)} (${rate(files, push.ms)})  speed vs SDK ${ratio(refPut.ms, push.ms)}x (goal >= 0.90)`,
    );
    console.log(`  mlo push (directory)   : ${fmt(dirPush.ms)}`);
    console.log(`  mlo push, unchanged    : ${fmt(noop.ms)}, ${requests} request(s) (goal < 2 s)`);
    console.log(`  SDK GetObject loop     : ${fmt(refGet.ms)} (${rate(files, refGet.ms)})`);
    console.log(
      `  mlo pull (s3)          : ${fmt(pull.ms)} (${rate(files, pull.ms)})  speed vs SDK ${ratio(refGet.ms, pull.ms)}x (goal >= 0.90)`,
    );
    console.log(`  mlo pull (directory)   : ${fmt(dirPull.ms)}`);
    cleanup(repo);
    rmSync(refDest, { recursive: true, force: true });
  }
  if (opts.only !== 'small') {
    const repo = setupRepo('big', (r) => {
      mkdirSync(join(r, 'data'), { recursive: true });
      const fd = openSync(join(r, 'data', 'big.bin'), 'w');
      const chunk = randomBytes(1 << 20);
      for (let i = 0; i < bigMib; i++) {
        chunk[0] = i & 255; // no two MiB alike
        writeSync(fd, chunk);
      }
      closeSync(fd);
    });
    const refUp = loop(['upload-big', 'ref-big', join(repo, 'data', 'big.bin'), jobs]);
    const push = m(['push', '-r', 's3', '--jobs', jobs], repo);
    const dirPush = m(['push', '-r', 'dir', '--jobs', jobs], repo);
    const refFile = join(base, 'ref-big.bin');
    const refGet = loop(['get-big', 'ref-big', refFile, jobs]);
    rmSync(refFile, { force: true });
    emptyWorkspace(repo);
    const pull = m(['pull', '-r', 's3', '--jobs', jobs], repo);
    emptyWorkspace(repo);
    const dirPull = m(['pull', '-r', 'dir', '--jobs', jobs], repo);
    console.log(`one file of ${bigMib} MiB, ${jobs} jobs`);
    console.log(`  SDK Upload (lib-storage): ${fmt(refUp.ms)} (${mibs(bigMib, refUp.ms)})`);
    console.log(
      `  mlo push (s3)           : ${fmt(push.ms)} (${mibs(bigMib, push.ms)})  speed vs SDK ${ratio(refUp.ms, push.ms)}x (goal >= 0.90)`,
    );
    console.log(`  mlo push (directory)    : ${fmt(dirPush.ms)}`);
    console.log(`  SDK GetObject           : ${fmt(refGet.ms)} (${mibs(bigMib, refGet.ms)})`);
    console.log(
      `  mlo pull (s3)           : ${fmt(pull.ms)} (${mibs(bigMib, pull.ms)})  speed vs SDK ${ratio(refGet.ms, pull.ms)}x (goal >= 0.90)`,
    );
    console.log(`  mlo pull (directory)    : ${fmt(dirPull.ms)}`);
    cleanup(repo);
  }
} finally {
  await server.stop();
}
