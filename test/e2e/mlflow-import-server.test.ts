/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- the server's answers are checked field by field */
/**
 * `mlo import mlflow URL`: a tracking server read through MLflow's REST API. The server
 * is `mlo ui` in another repository (it serves the API, artifacts proxy included),
 * filled through that API; the import into a second repository must hold every field,
 * the full metric history (more than one page), the artifacts' bytes, the model
 * version and its alias; importing again changes nothing. A hostile server's artifact
 * paths are refused, auth is sent as MLflow's clients send it, and a failing or
 * unreachable server is one line with exit 2.
 */
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { MLO_BIN, makeRepo, mlo, mloAsync, parseJson } from '../helpers/cli.js';

async function startUi(dir: string): Promise<string> {
  const child: ChildProcess = spawn(
    process.execPath,
    [MLO_BIN, 'ui', '--no-open', '--port', '0', '--host', '127.0.0.1'],
    { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  onTestFinished(() => void child.kill('SIGTERM'));
  let out = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mlo ui did not start: ${out}`)), 30_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /mlo ui: (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('exit', (code) => reject(new Error(`mlo ui exited ${code}: ${out}`)));
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- MLflow's JSON documents
type Json = Record<string, any>;

function api(base: string) {
  const call = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${base}/api/2.0/mlflow/${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Json;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    post: (path: string, body: unknown) => call('POST', path, body),
    get: (path: string, query: Record<string, string>) =>
      call('GET', `${path}?${new URLSearchParams(query).toString()}`),
    async put(path: string, bytes: Buffer): Promise<void> {
      const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${path}`, {
        method: 'PUT',
        body: new Uint8Array(bytes),
      });
      if (!res.ok) throw new Error(`PUT ${path}: ${res.status} ${await res.text()}`);
    },
    async bytes(path: string): Promise<Buffer> {
      const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${path}`);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    },
  };
}

const T0 = 1_700_000_000_000;
const STEPS = 6000; // more than one page of get-history (5,000)
const MODEL_BIN = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
const MLMODEL = 'flavors:\n  sklearn:\n    pickled_model: model.bin\n';
const NOTES = 'trained on churn v3\n';

/** Repository A, filled through its MLflow API: two runs (one failed and deleted), a model. */
async function fillA(base: string): Promise<{ run: string; failed: string; exp: string }> {
  const a = api(base);
  const { experiment_id: exp } = await a.post('experiments/create', {
    name: 'churn',
    tags: [{ key: 'owner', value: 'ana' }],
  });
  const { run: created } = await a.post('runs/create', {
    experiment_id: exp,
    run_name: 'sweep-1',
    start_time: T0,
    tags: [{ key: 'team', value: 'churn' }],
  });
  const run = created.info.run_id as string;
  await a.post('runs/log-batch', {
    run_id: run,
    params: [
      { key: 'lr', value: '0.01' },
      { key: 'train/C', value: '1.0' },
    ],
    tags: [{ key: 'stage', value: 'dev' }],
  });
  for (let b = 0; b < STEPS / 1000; b++) {
    const metrics = Array.from({ length: 1000 }, (_, i) => {
      const step = b * 1000 + i;
      return { key: 'loss', value: 1 / (step + 1), timestamp: T0 + step, step };
    });
    await a.post('runs/log-batch', { run_id: run, metrics });
  }
  await a.post('runs/log-metric', { run_id: run, key: 'auc', value: 0.91, timestamp: T0, step: 3 });
  const root = `${exp}/${run}/artifacts`;
  await a.put(`${root}/model/model.bin`, MODEL_BIN);
  await a.put(`${root}/model/MLmodel`, Buffer.from(MLMODEL));
  await a.put(`${root}/notes.txt`, Buffer.from(NOTES));
  await a.post('runs/update', { run_id: run, status: 'FINISHED', end_time: T0 + 60_000 });

  const { run: other } = await a.post('runs/create', {
    experiment_id: exp,
    run_name: 'broken',
    start_time: T0 + 1000,
  });
  const failed = other.info.run_id as string;
  await a.post('runs/log-parameter', { run_id: failed, key: 'lr', value: '10' });
  await a.post('runs/update', { run_id: failed, status: 'FAILED', end_time: T0 + 2000 });
  await a.post('runs/delete', { run_id: failed });

  await a.post('registered-models/create', { name: 'churn', description: 'churn model' });
  await a.post('model-versions/create', {
    name: 'churn',
    source: `mlflow-artifacts:/${root}/model`,
    run_id: run,
  });
  await a.post('registered-models/alias', { name: 'churn', alias: 'champion', version: '1' });
  return { run, failed, exp };
}

const shown = (dir: string, id: string): Json =>
  parseJson<Json>(mlo(['runs', 'show', id, '--json'], { cwd: dir }));

describe('mlo import mlflow URL', () => {
  it('imports a tracking server whole, and a second time changes nothing', async () => {
    const a = makeRepo();
    const urlA = await startUi(a);
    const { run, failed } = await fillA(urlA);

    const b = makeRepo();
    const first = mlo(['import', 'mlflow', urlA, '--json'], { cwd: b });
    expect(first.code, first.stderr).toBe(0);
    expect(parseJson(first)).toMatchObject({
      runs: { imported: 2, existing: 0 },
      metricPoints: STEPS + 1,
      artifacts: 3,
      versions: { created: 1, existing: 0 },
      warnings: [],
    });

    for (const id of [run, failed]) expect(shown(b, id)).toEqual(shown(a, id));
    const r = shown(b, run);
    expect(r).toMatchObject({ name: 'sweep-1', experiment: 'churn', status: 'finished' });
    expect(r.params).toEqual({ lr: '0.01', 'train/C': '1.0' });
    expect(r.tags).toMatchObject({ team: 'churn', stage: 'dev' });
    expect(shown(b, failed)).toMatchObject({ name: 'broken', status: 'failed' });

    const hist = (dir: string) =>
      parseJson<{ points: { step: number; value: number; ts: number }[] }>(
        mlo(['metrics', 'history', run, 'loss', '--json'], { cwd: dir }),
      ).points;
    const histB = hist(b);
    expect(histB).toHaveLength(STEPS);
    expect(histB).toEqual(hist(a));
    expect(histB[STEPS - 1].value).toBe(1 / STEPS);

    // the same records through B's own MLflow API: lifecycle, times, bytes, version, alias
    const urlB = await startUi(b);
    const [ga, gb] = [api(urlA), api(urlB)];
    const runA = (await ga.get('runs/get', { run_id: run })).run;
    const runB = (await gb.get('runs/get', { run_id: run })).run;
    expect(runB.info).toEqual({
      ...runA.info,
      experiment_id: runB.info.experiment_id,
      artifact_uri: runB.info.artifact_uri,
    });
    expect(runB.data).toEqual(runA.data);
    const failedB = (await gb.get('runs/get', { run_id: failed })).run.info;
    expect(failedB).toMatchObject({
      lifecycle_stage: 'deleted',
      status: 'FAILED',
      end_time: T0 + 2000,
    });
    const rootB = String(runB.info.artifact_uri).replace(/^mlflow-artifacts:\//, '');
    expect(await gb.bytes(`${rootB}/model/model.bin`)).toEqual(MODEL_BIN);
    expect((await gb.bytes(`${rootB}/model/MLmodel`)).toString()).toBe(MLMODEL);
    expect((await gb.bytes(`${rootB}/notes.txt`)).toString()).toBe(NOTES);
    const files = r.artifacts as { name: string; hash: string; size: number }[];
    expect(files.find((f) => f.name === 'model/model.bin')).toMatchObject({
      hash: createHash('sha256').update(MODEL_BIN).digest('hex'),
      size: MODEL_BIN.length,
    });

    const versionOf = async (g: ReturnType<typeof api>) =>
      (await g.get('registered-models/alias', { name: 'churn', alias: 'champion' })).model_version;
    const [va, vb] = [await versionOf(ga), await versionOf(gb)];
    expect(vb).toMatchObject({ name: 'churn', version: '1', run_id: run, aliases: ['champion'] });
    expect(vb.source).toBe(`runs:/${run}/model`);
    expect(va.version).toBe(vb.version);
    const modelB = (await gb.get('registered-models/get', { name: 'churn' })).registered_model;
    expect(modelB.description).toBe('churn model');
    const model = parseJson<Json>(mlo(['model', 'show', 'churn@champion', '--json'], { cwd: b }));
    expect(model).toMatchObject({ format: 'mlflow', lineage: { runId: run } });

    const second = mlo(['import', 'mlflow', urlA, '--json'], { cwd: b });
    expect(second.code, second.stderr).toBe(0);
    expect(parseJson(second)).toMatchObject({
      experiments: { created: 0 },
      runs: { imported: 0, existing: 2 },
      metricPoints: 0,
      artifacts: 0,
      versions: { created: 0, existing: 1 },
    });
    expect(shown(b, run)).toEqual(r);
  }, 120_000);

  it('refuses hostile artifact paths, sends auth as MLflow clients do, one line when the server fails', async () => {
    const RUN = 'b'.repeat(32);
    const requests: { url: string; auth?: string }[] = [];
    let failing = false;
    let downloadsFail = false;
    const reply = (res: ServerResponse, status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      const url = new URL(req.url ?? '/', 'http://x');
      requests.push({ url: req.url ?? '', auth: req.headers.authorization });
      const basic = `Basic ${Buffer.from('ana:pw').toString('base64')}`;
      if (failing) return reply(res, 500, { error_code: 'INTERNAL_ERROR', message: 'db down' });
      if (![`Bearer t0ken`, basic].includes(req.headers.authorization ?? ''))
        return reply(res, 401, 'You are not authenticated');
      const p = url.pathname;
      if (p.endsWith('/experiments/search'))
        return reply(res, 200, {
          experiments: [{ experiment_id: '7', name: 'evil', lifecycle_stage: 'active' }],
        });
      if (p.endsWith('/runs/search'))
        return reply(res, 200, {
          runs: [
            {
              info: {
                run_id: RUN,
                run_name: 'x',
                status: 'FINISHED',
                start_time: 1,
                end_time: 2,
                lifecycle_stage: 'active',
                artifact_uri: `s3://bucket/7/${RUN}/artifacts`,
              },
              data: {},
            },
          ],
        });
      if (p.endsWith('/artifacts/list') && url.searchParams.get('path') === 'dir')
        return reply(res, 200, {
          files: [
            { path: 'dir/x.txt', is_dir: false, file_size: 1 },
            { path: 'elsewhere.txt', is_dir: false, file_size: 1 },
          ],
        });
      if (p.endsWith('/artifacts/list'))
        return reply(res, 200, {
          files: [
            { path: '../../etc/passwd', is_dir: false, file_size: 10 },
            { path: '/etc/passwd', is_dir: false, file_size: 10 },
            { path: 'a\u0000b', is_dir: false, file_size: 1 },
            { path: 'ok.txt', is_dir: false, file_size: 2 },
            { path: 'gone.bin', is_dir: false, file_size: 5 },
            { path: 'dir', is_dir: true },
          ],
        });
      if (p === '/get-artifact' && downloadsFail && url.searchParams.get('path') === 'dir/x.txt')
        return reply(res, 503, 'busy');
      const served: Record<string, string> = { 'ok.txt': 'ok', 'dir/x.txt': 'x' };
      if (p === '/get-artifact' && served[url.searchParams.get('path') ?? ''] !== undefined) {
        res.writeHead(200);
        return res.end(served[url.searchParams.get('path') ?? '']);
      }
      if (p.endsWith('/model-versions/search') || p.endsWith('/registered-models/search'))
        return reply(res, 200, {});
      return reply(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: p });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onTestFinished(() => void server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const b = makeRepo();
    // an in-process server: the CLI must not block this event loop
    const run = async (env: Record<string, string | undefined>) =>
      mloAsync(['import', 'mlflow', url], {
        cwd: b,
        env: {
          MLFLOW_TRACKING_TOKEN: undefined,
          MLFLOW_TRACKING_USERNAME: undefined,
          MLFLOW_TRACKING_PASSWORD: undefined,
          ...env,
        },
      }).done;

    const noAuth = await run({});
    expect(noAuth.code).toBe(2);
    expect(noAuth.stderr).toMatch(
      new RegExp(`^error: MLflow server ${url}/api/2.0/mlflow/experiments/search: 401`, 'm'),
    );

    // a run cut short by a failing download is not recorded, and leaves no temp file
    downloadsFail = true;
    const cut = await run({ MLFLOW_TRACKING_TOKEN: 't0ken' });
    expect(cut.code).toBe(2);
    expect(cut.stderr).toContain(`error: MLflow server ${url}/get-artifact: 503`);
    expect(mlo(['runs', 'show', RUN], { cwd: b }).code).toBe(2);
    expect(readdirSync(join(b, '.mlo/tmp')).filter((f) => f.startsWith('mlflow-import'))).toEqual(
      [],
    );
    downloadsFail = false;

    requests.length = 0;
    const r = await run({ MLFLOW_TRACKING_TOKEN: 't0ken' });
    expect(r.code, r.stderr).toBe(0);
    for (const bad of ['../../etc/passwd', '/etc/passwd', 'a\u0000b'])
      expect(r.stderr).toContain(`run ${RUN}: artifact path ${JSON.stringify(bad)}`);
    expect(r.stderr).toContain(`run ${RUN}: artifact path "elsewhere.txt" is not under dir/`);
    expect(r.stderr).toContain(`run ${RUN}: artifact "gone.bin" is listed but not there (404)`);
    expect(new Set(requests.map((q) => q.auth))).toEqual(new Set(['Bearer t0ken']));
    expect(requests.filter((q) => q.url.startsWith('/get-artifact')).map((q) => q.url)).toEqual(
      ['ok.txt', 'gone.bin', 'dir%2Fx.txt'].map((f) => `/get-artifact?path=${f}&run_uuid=${RUN}`),
    );
    expect(requests.filter((q) => q.url.includes('passwd'))).toEqual([]);
    const shownRun = parseJson<Json>(mlo(['runs', 'show', RUN, '--json'], { cwd: b }));
    expect(shownRun.artifacts).toEqual([
      expect.objectContaining({ name: 'dir/x.txt', size: 1 }),
      expect.objectContaining({ name: 'ok.txt', size: 2 }),
    ]);

    // Basic wins when a user and password are set, as in MLflow's rest_utils
    requests.length = 0;
    const again = await run({
      MLFLOW_TRACKING_TOKEN: 't0ken',
      MLFLOW_TRACKING_USERNAME: 'ana',
      MLFLOW_TRACKING_PASSWORD: 'pw',
    });
    expect(again.code, again.stderr).toBe(0);
    expect(requests[0].auth).toBe(`Basic ${Buffer.from('ana:pw').toString('base64')}`);
    expect(requests.some((q) => q.url.includes('artifacts/list'))).toBe(false);

    failing = true;
    const down = await run({ MLFLOW_TRACKING_TOKEN: 't0ken' });
    expect(down.code).toBe(2);
    expect(down.stderr.trim().split('\n')).toEqual([
      `error: MLflow server ${url}/api/2.0/mlflow/experiments/search: 500 INTERNAL_ERROR: db down`,
    ]);
  }, 60_000);

  it('an unreachable server is exit 2 with one line naming the URL', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const b = makeRepo();
    const r = mlo(['import', 'mlflow', `http://127.0.0.1:${port}`], { cwd: b });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `error: MLflow server http://127.0.0.1:${port}/api/2.0/mlflow/experiments/search: connection refused`,
    ]);
  });
});
