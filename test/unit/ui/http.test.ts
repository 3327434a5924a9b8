/**
 * `mlo ui`'s HTTP mount on 127.0.0.1: a page on another site must not reach the store
 * through it — neither by a DNS name rebound to 127.0.0.1 (foreign Host) nor by a
 * cross-site request that writes (foreign Origin) — and the app itself is served
 * with a CSP that admits nothing from elsewhere.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  initRepo,
  openRepo,
  recordRuns,
  serveUi,
  type Repo,
  type UiServer,
} from '../../../src/index.js';

let ui: UiServer;
let repo: Repo;
let dir: string;

function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(ui.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlo-ui-http-'));
  initRepo(dir);
  repo = openRepo(dir);
  recordRuns(repo, [{ name: 'r1', startMs: Date.now(), metrics: { acc: 1 } }]);
  ui = await serveUi(repo, { port: 0 });
});
afterAll(async () => {
  await ui?.close();
  repo?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the UI over HTTP', () => {
  it('answers its own address and refuses a foreign Host (DNS rebinding)', async () => {
    const port = new URL(ui.url).port;
    expect((await send('/api/ui/info', { headers: { host: `127.0.0.1:${port}` } })).status).toBe(
      200,
    );
    expect((await send('/api/ui/info', { headers: { host: `localhost:${port}` } })).status).toBe(
      200,
    );
    const rebound = await send('/api/ui/runs', { headers: { host: `attacker.example:${port}` } });
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain('r1');
  });

  it('refuses writes from another origin, and takes them from its own', async () => {
    const port = new URL(ui.url).port;
    const body = JSON.stringify({ experiment_id: '0', run_name: 'planted' });
    const json = { 'content-type': 'application/json' };
    const forged = await send('/api/2.0/mlflow/runs/create', {
      method: 'POST',
      headers: { ...json, origin: 'http://attacker.example' },
      body,
    });
    expect(forged.status).toBe(403);
    const textPlain = await send('/api/2.0/mlflow/runs/create', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' },
      body,
    });
    expect(textPlain.status).toBe(403);
    expect(
      repo.store.db.prepare("SELECT count(*) FROM runs WHERE name = 'planted'").pluck().get(),
    ).toBe(0);
    const own = await send('/api/2.0/mlflow/runs/create', {
      method: 'POST',
      headers: { ...json, origin: `http://127.0.0.1:${port}` },
      body,
    });
    expect(own.status).toBe(200);
    expect(
      repo.store.db.prepare("SELECT count(*) FROM runs WHERE name = 'planted'").pluck().get(),
    ).toBe(1);
  });

  it('serves the app with a CSP that loads nothing from elsewhere', async () => {
    const page = await send('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });

  it('streams change events when the store changes', async () => {
    const url = new URL(ui.url);
    const events = await new Promise<string>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: '/api/ui/events' }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
          if (text.includes('event: hello'))
            recordRuns(repo, [{ name: 'r2', startMs: Date.now() }]);
          if (text.includes('event: change')) {
            req.destroy();
            resolve(text);
          }
        });
      });
      req.on('error', (e) => (e.message.includes('aborted') ? undefined : reject(e)));
      req.end();
    });
    expect(events).toMatch(/event: change\ndata: \{"generation":"[\d.]+"\}/);
  });
});

describe('the UI under a prefix', () => {
  it('is served below basePath, with the bare prefix redirected to its slash form', async () => {
    const { createServer } = await import('node:http');
    const { createUiHandler, uiRequestListener } = await import('../../../src/index.js');
    const handler = createUiHandler({ repo, mlflow: false });
    const listener = uiRequestListener(handler, { basePath: '/ui', allowedHosts: 'any' });
    const server = createServer((req, res) => void listener(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const get = (path: string): Promise<{ status: number; location?: string; body: string }> =>
      new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port, path }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }),
          );
        })
          .on('error', reject)
          .end();
      });
    try {
      expect(await get('/ui')).toMatchObject({ status: 308, location: '/ui/' });
      expect((await get('/ui/')).body).toContain('<div id="app">');
      const info = await get('/ui/api/ui/info');
      expect(info.status).toBe(200);
      expect(JSON.parse(info.body)).toMatchObject({ readOnly: false });
      expect((JSON.parse(info.body) as { runs: number }).runs).toBeGreaterThanOrEqual(2);
      expect((await get('/api/ui/info')).status).toBe(404);
    } finally {
      handler.close();
      server.close();
    }
  });
});
