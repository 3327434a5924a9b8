/** `mlo serve` from the built CLI on an ephemeral port, killed if a test leaves it running. */
import type { ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { mloAsync, type RunResult } from './cli.js';

export interface Running {
  url: string;
  child: ChildProcess;
  done: Promise<RunResult>;
  stdout: () => string;
}

export async function startServe(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Running> {
  const { child, done } = mloAsync(['serve', ...args, '--port', '0'], { cwd: dir, env });
  // a failed assertion must not leave a server behind
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
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
  return { url, child, done, stdout: () => out };
}
