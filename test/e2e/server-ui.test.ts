/**
 * The web UI on the team hub (`mlo server`, /ui/): a clone pushes its runs, and a
 * teammate signs in with a read token in headless Chromium and sees them. The cookie
 * the sign-in sets opens UI pages only: never the API, never a request that writes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { openRepo } from '../../src/index.js';
import { finishRun, insertRun } from '../../src/store/index.js';
import { gitInit, mlo, tempDir } from '../helpers/cli.js';
import { launchChromium, saveArtifact } from '../helpers/chromium.js';
import { call, startHub, type Hub } from '../helpers/hub.js';

const RUNS = 7;

function pushRuns(hub: Hub, token: string): void {
  const dir = tempDir('mlo-ui-clone-');
  gitInit(dir);
  const env = { MLO_TOKEN: token };
  for (const args of [['init'], ['remote', 'add', 'team', hub.url]]) {
    const r = mlo(args, { cwd: dir, env });
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
  const repo = openRepo(dir);
  try {
    const t0 = Date.now();
    for (let i = 0; i < RUNS; i++) {
      const seq = insertRun(repo.store, {
        id: randomBytes(16).toString('hex'),
        name: `hub-run-${i}`,
        experiment: 'default',
        startMs: t0 + i,
        host: 'test',
      });
      finishRun(
        repo.store,
        seq,
        { status: 'finished', endMs: t0 + i + 1, exitCode: 0 },
        { params: [['i', String(i)]] },
      );
    }
  } finally {
    repo.close();
  }
  const r = mlo(['push'], { cwd: dir, env });
  if (r.code !== 0) throw new Error(`push: ${r.stderr}`);
}

/** Sign in the way the login form does; the Set-Cookie header, or the status. */
async function signIn(
  hub: Hub,
  token: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; cookie: string | null; location: string | null }> {
  const res = await fetch(`${hub.url}/ui/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }).toString(),
  });
  await res.arrayBuffer();
  return {
    status: res.status,
    cookie: res.headers.get('set-cookie'),
    location: res.headers.get('location'),
  };
}

describe('the web UI on mlo server', () => {
  let hub: Hub;
  let read: string;
  let browser: Browser | undefined;

  beforeAll(async () => {
    hub = await startHub({ suite: true });
    pushRuns(hub, hub.token('ci', 'write'));
    read = hub.token('alice', 'read');
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
  });

  it('sends a browser without a token to sign in, and answers API calls without one with 401', async () => {
    const page = await fetch(`${hub.url}/ui/`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    await page.arrayBuffer();
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/ui/login');
    expect((await call(hub, 'GET', '/ui/api/ui/runs')).status).toBe(401);
    const login = await fetch(`${hub.url}/ui/login`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('name="token"');
  });

  it('trades a valid token for an HttpOnly, SameSite=Strict cookie scoped to /ui; a bad one gets 401', async () => {
    const bad = await signIn(hub, 'mlo_' + 'x'.repeat(43));
    expect(bad.status).toBe(401);
    expect(bad.cookie).toBeNull();
    const crossSite = await signIn(hub, read, { origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.cookie).toBeNull();
    const good = await signIn(hub, read);
    expect(good.status).toBe(303);
    expect(good.location).toBe('/ui/');
    expect(good.cookie).toMatch(/^mlo_token=mlo_[^;]+; Path=\/ui; HttpOnly; SameSite=Strict/);
  });

  it('honours the cookie for UI pages and reads only: not the API, not a write', async () => {
    const cookie = (await signIn(hub, hub.token('bob', 'admin'))).cookie!.split(';')[0];
    const runs = await call(hub, 'GET', '/ui/api/ui/runs?limit=100', { headers: { cookie } });
    expect(runs.status).toBe(200);
    expect(JSON.stringify(runs.body)).toContain('hub-run-3');
    // even an admin's cookie opens nothing outside /ui, and nothing that writes
    expect((await call(hub, 'GET', '/api/tokens', { headers: { cookie } })).status).toBe(401);
    expect((await call(hub, 'GET', '/api/server/info', { headers: { cookie } })).status).toBe(401);
    const write = await call(hub, 'POST', '/ui/api/ui/promotion-preview', {
      headers: { cookie },
      body: {},
    });
    expect(write.status).toBe(401);
    // a bearer token still works for the UI's API, as for every other endpoint
    expect((await call(hub, 'GET', '/ui/api/ui/info', { token: read })).status).toBe(200);
  });

  it('in Chromium: sign in with a read token, then the runs table shows the pushed runs', async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1300, height: 800 } });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${hub.url}/ui/`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.getByLabel('Token').fill(read);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/ui\/(#.*)?$/);
    await page.goto(`${hub.url}/ui/#/runs`);
    await expect
      .poll(() => page.locator('[data-testid="total"]').innerText(), { timeout: 20_000 })
      .toBe(`${RUNS} runs`);
    saveArtifact('server-ui-runs.png', await page.screenshot());
    // signing out ends the session: the next page load asks again
    await page.goto(`${hub.url}/ui/logout`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.goto(`${hub.url}/ui/`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    expect(problems).toEqual([]);
  }, 60_000);
});
