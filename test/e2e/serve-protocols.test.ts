/**
 * The built `mlo serve` read by the monitoring tools people already run: a real
 * Prometheus server (Debian's prometheus package) scraping it and answering the
 * queries stock dashboards make, promtool checking its exposition, and the timings
 * that only worker threads show (compute on another thread while requests queue).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  buildLinearClassifier,
  buildSlowModel,
  goesToCanary,
  openRepo,
  registerModel,
} from '../../src/index.js';
import { makeRepo, tempDir } from '../helpers/cli.js';
import { heldRequest, waitUntil } from '../helpers/held-request.js';
import { promlint } from '../helpers/promlint.js';
import { startServe } from '../helpers/serve-cli.js';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const W = [0.5, -1.25, 2];
const row = [1.5, 2, -0.5];

/** A repository with these models registered (in-process: the CLI's register is not what is tested). */
async function repoWith(models: Record<string, Uint8Array>): Promise<string> {
  const dir = makeRepo();
  const repo = openRepo(dir);
  try {
    for (const [file, bytes] of Object.entries(models)) {
      writeFileSync(join(dir, `${file}.onnx`), bytes);
      await registerModel(repo, {
        name: file.replace(/\d+$/, ''),
        path: join(dir, `${file}.onnx`),
        features: ['age', 'tenure', 'spend'],
      });
    }
  } finally {
    repo.close();
  }
  return dir;
}

async function churnRepo(): Promise<string> {
  return repoWith({
    churn1: await buildLinearClassifier({ coefficients: [W], intercepts: [0.25] }),
    churn2: await buildLinearClassifier({ coefficients: [W.map((v) => -v)], intercepts: [-0.25] }),
  });
}

async function predict(url: string, id: string): Promise<string | null> {
  const res = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id },
    body: JSON.stringify({ inputs: [row] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('x-model-version');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface PromVector {
  metric: Record<string, string>;
  value: [number, string];
}

describe('Prometheus reads mlo serve', () => {
  it.runIf(existsSync(PROMETHEUS))(
    'a real Prometheus server scrapes it: the series stock dashboards query, and latency percentiles per role',
    async () => {
      const dir = await churnRepo();
      const s = await startServe(dir, ['churn@1', '--canary', 'churn@2:50', '--threads', '1']);
      const target = new URL(s.url).host;
      const work = tempDir('mlo-prom-');
      writeFileSync(
        join(work, 'prometheus.yml'),
        [
          'global:',
          '  scrape_interval: 1s',
          '  scrape_timeout: 1s',
          'scrape_configs:',
          '  - job_name: mlo',
          '    static_configs:',
          `      - targets: ['${target}']`,
          '',
        ].join('\n'),
      );
      const port = await freePort();
      const prom = spawn(
        PROMETHEUS,
        [
          `--config.file=${join(work, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(work, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let log = '';
      prom.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
      onTestFinished(() => {
        if (prom.exitCode === null) prom.kill('SIGKILL');
      });
      // requests while Prometheus starts; it is then polled until it has scraped them all
      const sent: Record<string, number> = { '1': 0, '2': 0 };
      for (let i = 0; i < 30; i++) {
        const version = await predict(s.url, `req-${i}`);
        expect(version).toBe(goesToCanary(`req-${i}`, 50) ? '2' : '1');
        sent[version!]++;
      }
      const api = `http://127.0.0.1:${port}/api/v1`;
      const query = async (q: string): Promise<PromVector[]> => {
        const res = await fetch(`${api}/query?query=${encodeURIComponent(q)}`);
        const body = (await res.json()) as { status: string; data: { result: PromVector[] } };
        expect(body.status, q).toBe('success');
        return body.data.result;
      };
      // a scrape taken after the last request
      const total = 'sum(mlo_serve_request_duration_seconds_count{job="mlo"}) == 30';
      let scraped: PromVector[] = [];
      for (let i = 0; i < 200 && scraped.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        scraped = await query(total).catch(() => []);
        if (prom.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
      }
      expect(scraped, log).toHaveLength(1);
      expect(await query('up{job="mlo"}')).toMatchObject([{ value: [expect.any(Number), '1'] }]);
      const targets = (await (await fetch(`${api}/targets`)).json()) as {
        data: { activeTargets: { health: string; lastError: string }[] };
      };
      expect(targets.data.activeTargets).toMatchObject([{ health: 'up', lastError: '' }]);

      // what Node.js dashboards plot
      for (const name of [
        'process_cpu_user_seconds_total',
        'process_resident_memory_bytes',
        'process_start_time_seconds',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
        'nodejs_active_handles_total',
        'nodejs_version_info',
      ]) {
        expect(await query(`${name}{job="mlo"}`), name).not.toHaveLength(0);
      }
      // canary and champion, told apart
      const counts = await query(
        'sum by (version, role) (mlo_serve_request_duration_seconds_count{job="mlo"})',
      );
      expect(
        Object.fromEntries(counts.map((c) => [`${c.metric.role}@${c.metric.version}`, c.value[1]])),
      ).toEqual({ 'primary@1': String(sent['1']), 'canary@2': String(sent['2']) });
      // a dashboard's percentile panel, one line per role
      const p90 = await query(
        'histogram_quantile(0.9, sum by (le, role) (mlo_serve_request_duration_seconds_bucket{job="mlo"}))',
      );
      expect(p90.map((r) => r.metric.role).sort()).toEqual(['canary', 'primary']);
      for (const r of p90) {
        expect(Number(r.value[1])).toBeGreaterThan(0);
        expect(Number(r.value[1])).toBeLessThan(5);
      }
      for (const name of [
        'mlo_serve_predict_seconds_count',
        'mlo_serve_queue_wait_seconds_count',
      ]) {
        const total = await query(`sum(${name}{job="mlo"})`);
        expect(Number(total[0].value[1]), name).toBe(30);
      }
      const meta = (await (await fetch(`${api}/metadata`)).json()) as {
        data: Record<string, { type: string }[]>;
      };
      expect(meta.data.mlo_serve_request_duration_seconds[0].type).toBe('histogram');
      expect(meta.data.mlo_serve_inflight_requests[0].type).toBe('gauge');
      expect(meta.data.mlo_serve_requests_total[0].type).toBe('counter');
      const stopped = new Promise((r) => prom.once('exit', r));
      prom.kill('SIGTERM');
      await stopped;
      s.child.kill('SIGTERM');
      expect((await s.done).code).toBe(0);
    },
    60_000,
  );

  it('promtool and the lint rules accept the exposition of the built server with workers, a shadow and the log', async () => {
    const dir = await churnRepo();
    const s = await startServe(dir, [
      'churn@1',
      '--shadow',
      'churn@2',
      '--threads',
      '1',
      '--log-predictions',
    ]);
    for (let i = 0; i < 5; i++) await predict(s.url, `r${i}`);
    await fetch(`${s.url}/predict`, { method: 'POST', body: '{' });
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(promlint(text)).toEqual([]);
    if (existsSync(PROMTOOL)) {
      const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toBe('');
      expect(r.status).toBe(0);
    }
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
  });

  it('with a worker thread, requests queue while the model computes: queue wait and compute time are apart', async () => {
    const dir = await repoWith({
      slow1: await buildSlowModel({ nFeatures: 3, matmuls: 40, size: 256 }),
    });
    const s = await startServe(dir, ['slow@1', '--threads', '1', '--max-batch', '1']);
    const n = 6;
    // all six connected and taken by the server first (their last byte held back), then
    // released together, so they queue however slowly a loaded machine connects them
    const held = Array.from({ length: n }, (_, i) =>
      heldRequest(`${s.url}/predict`, { inputs: [[i, i, i]] }),
    );
    const scrape = async (): Promise<string> => (await fetch(`${s.url}/metrics`)).text();
    await waitUntil(`${n} requests in flight`, async () =>
      /^mlo_serve_inflight_requests 7$/m.test(await scrape()),
    );
    const answers = await Promise.all(held.map((h) => h.finish()));
    expect(answers.map((a) => a.status)).toEqual(Array(n).fill(200));
    const text = await scrape();
    const value = (name: string): number =>
      Number(new RegExp(`^${name}\\{[^}]*role="primary"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    // one run per request (batches of 1), each timed; each request's wait recorded
    expect(value('mlo_serve_predict_seconds_count')).toBe(n);
    expect(value('mlo_serve_queue_wait_seconds_count')).toBe(n);
    expect(value('mlo_serve_batch_rows_sum')).toBe(n);
    // one worker, all queued at once: request k waits for k runs, so the waits add up
    // to about (n-1)/2 times the compute; a quarter of one run's share is a loose floor
    const compute = value('mlo_serve_predict_seconds_sum');
    const wait = value('mlo_serve_queue_wait_seconds_sum');
    expect(compute).toBeGreaterThan(0);
    expect(wait).toBeGreaterThan(compute / n / 4);
    // the latency of each answer includes its wait and its run
    expect(value('mlo_serve_request_duration_seconds_sum')).toBeGreaterThanOrEqual(
      compute + wait - 1e-6,
    );
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
  });
});
