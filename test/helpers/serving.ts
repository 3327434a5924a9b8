/**
 * `mlo serve` as a child process for end-to-end tests: start it on a free port, wait
 * for its "listening on" line, send /predict requests. A server left running by a
 * failed assertion is killed when the test finishes.
 */
import type { ChildProcess } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { mloAsync, type RunResult } from './cli.js';

export interface Running {
  url: string;
  child: ChildProcess;
  done: Promise<RunResult>;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then the exit */
  stop: () => Promise<RunResult>;
}

export async function startServe(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Running> {
  const { child, done } = mloAsync(['serve', ...args, '--port', '0'], { cwd, env });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
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
  return {
    url,
    child,
    done,
    stdout: () => out,
    stderr: () => err,
    stop: () => {
      child.kill('SIGTERM');
      return done;
    },
  };
}

export interface Prediction {
  status: number;
  version: string | null;
  model: string | null;
  body: { predictions: number[]; probabilities: number[][]; error?: string };
}

export async function predict(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Prediction> {
  const res = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    version: res.headers.get('x-model-version'),
    model: res.headers.get('x-model-name'),
    body: (await res.json()) as Prediction['body'],
  };
}
