// A real S3 protocol server for tests and benches: s3rver in a child process on
// 127.0.0.1, its buckets in a directory that outlives restarts (so a test can kill
// the server mid-transfer and start it again on the same port and data).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const CHILD = join(import.meta.dirname, 's3rver-child.mjs');
// s3rver's default credentials (it checks signatures made with them)
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/**
 * Start s3rver. `port` 0 picks a free one; pass the previous port to restart on it.
 * Resolves once it listens.
 */
export async function startS3rver({ directory, port = 0, buckets = ['mlo'] }) {
  mkdirSync(directory, { recursive: true });
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', CHILD, directory, String(port), ...buckets],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const bound = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)).port);
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}): ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', () => resolve()));
  return {
    port: bound,
    endpoint: `http://127.0.0.1:${bound}`,
    directory,
    child,
    /** SIGKILL: the crash case (a half-received object stays as s3rver left it) */
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Environment for an mlo child process that talks to this server. */
export function s3Env(extra = {}) {
  return {
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    // never let a developer's own AWS profile or config leak into a test
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}
