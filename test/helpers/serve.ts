/**
 * `mlo serve` for end-to-end tests of what happens after serving (feedback, perf,
 * monitors): start the built CLI on a free port, send rows with chosen request ids,
 * stop it gracefully so the prediction log is flushed.
 */
import type { ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { mloAsync, type RunResult } from './cli.js';

export interface Served {
  url: string;
  child: ChildProcess;
  done: Promise<RunResult>;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then wait for a clean exit (the log is flushed) */
  stop: () => Promise<RunResult>;
}

export async function startServe(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Served> {
  const { child, done } = mloAsync(['serve', ...args, '--port', '0'], { cwd: dir, env });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  // with --access-log the start-up lines go to stderr
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const m =
        /listening on (http:\/\/[\d.:]+)/.exec(out) ?? /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m) {
        clearInterval(poll);
        resolve(m[1]);
      }
    }, 20);
    void done.then((r) => {
      clearInterval(poll);
      reject(new Error(`mlo serve exited ${r.code}: ${r.stderr}`));
    });
  });
  return {
    url,
    child,
    done,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      child.kill('SIGTERM');
      return done;
    },
  };
}

/** POST one instance per request, with the given request ids, a few at a time. */
export async function sendRows(
  url: string,
  rows: readonly { id: string; instance: Record<string, number> }[],
  concurrency = 8,
  headers: Record<string, string> = {},
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rows.length) {
      const r = rows[next++];
      const res = await fetch(`${url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': r.id, ...headers },
        body: JSON.stringify({ instances: [r.instance] }),
      });
      if (res.status !== 200) throw new Error(`predict ${r.id}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
