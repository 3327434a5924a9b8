/**
 * Serve test helpers: a temp repository with logistic-regression versions registered,
 * the expected outputs computed here by hand (never by src/), and a fetch wrapper.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';
import {
  buildLinearClassifier,
  initRepo,
  openRepo,
  registerModel,
  startServer,
  type Repo,
  type Server,
  type ServeOptions,
} from '../../../src/index.js';

export const FEATURES = ['age', 'tenure', 'spend'];

/** Weights of versions 1 and 2 of "churn": v2 flips the signs, so the two disagree. */
export const WEIGHTS: Record<number, { w: number[]; b: number }> = {
  1: { w: [0.5, -1.25, 2], b: 0.25 },
  2: { w: [-0.5, 1.25, -2], b: -0.25 },
};

/** Run `fn` after the current test, or after the file when called from beforeAll. */
function defer(fn: () => unknown): void {
  try {
    onTestFinished(async () => {
      await fn();
    });
  } catch {
    afterAll(async () => {
      await fn();
    });
  }
}

export function tempRepo(): Repo {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-serve-'));
  initRepo(dir);
  const repo = openRepo(dir);
  defer(() => {
    repo.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return repo;
}

export async function registerBytes(
  repo: Repo,
  name: string,
  bytes: Uint8Array,
  /** null: register without feature names */
  features: string[] | null = FEATURES,
): Promise<number> {
  const file = join(repo.root, `${name}-${Date.now()}-${Math.random()}.onnx`);
  writeFileSync(file, bytes);
  const r = await registerModel(repo, { name, path: file, features: features ?? undefined });
  return r.model.version;
}

/** "churn" versions 1 and 2 (WEIGHTS), float32 weights as the model stores them. */
export async function repoWithChurn(): Promise<Repo> {
  const repo = tempRepo();
  for (const v of [1, 2]) {
    const { w, b } = WEIGHTS[v];
    await registerBytes(
      repo,
      'churn',
      await buildLinearClassifier({ coefficients: [w], intercepts: [b] }),
    );
  }
  return repo;
}

/** P(class 1) and the label, computed in doubles from the weights. */
export function expected(version: number, x: number[]): { p1: number; label: number } {
  const { w, b } = WEIGHTS[version];
  const z = x.reduce((s, v, j) => s + Math.fround(v) * w[j], b);
  const p1 = 1 / (1 + Math.exp(-z));
  return { p1, label: p1 >= 0.5 ? 1 : 0 };
}

export async function serve(repo: Repo, options: Partial<ServeOptions> = {}): Promise<Server> {
  const server = await startServer(repo, {
    model: 'churn@1',
    port: 0,
    reloadIntervalMs: 50,
    ...options,
  });
  defer(() => server.close({ timeoutMs: 2000 }));
  return server;
}

export interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function request(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<Reply> {
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const res = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    body,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text bodies (/ping, /version, /metrics)
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A metric's value from Prometheus text, for one exact label set (or none). */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (want.every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return NaN;
}
