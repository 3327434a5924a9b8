/// <reference lib="dom" />
/**
 * `mlo ui` in real headless Chromium (Debian's chromium, driven by playwright-core):
 * the built CLI serves a store made with the library, and each test works the UI as a
 * person would. Every test takes a screenshot (test-artifacts/ui/) and fails on any
 * console error or uncaught exception in the page.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordRuns } from '../../src/index.js';
import { MLO_BIN, ROOT } from '../helpers/cli.js';
import { makeUiStore, SERVED_LABEL, SERVED_PREDICTION, type UiStore } from '../helpers/ui-store.js';

const SHOTS = join(ROOT, 'test-artifacts', 'ui');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let store: UiStore;
let server: ChildProcess;
let url: string;
let browser: Browser;
let page: Page;
let problems: string[];

async function startUi(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MLO_BIN, 'ui', '--no-open', '--port', '0'], {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const found = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mlo ui did not start: ${out}`)), 30_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /mlo ui: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('exit', (code) => reject(new Error(`mlo ui exited ${code}: ${out}`)));
  });
  return { child, url: found };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  store = await makeUiStore();
  ({ child: server, url } = await startUi(store.dir));
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  store?.cleanup();
});

beforeEach(async () => {
  problems = [];
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
});

afterEach(async (ctx) => {
  const name = ctx.task.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await page.close();
  expect(problems).toEqual([]);
});

const total = (p: Page): Promise<string> => p.locator('[data-testid="total"]').innerText();
/** Where an element sits in the document (not the viewport): to see whether it moved. */
const docTop = (l: Locator): Promise<number> =>
  l.evaluate((el) => el.getBoundingClientRect().top + scrollY);

/** Let the page render what it has received (two frames: one to lay out, one to paint). */
const nextFrames = (p: Page): Promise<void> =>
  p.evaluate(
    () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))),
  );

/**
 * Hold the requests matching `pattern` until `release()`; `asked` counts them. `end()`
 * (for a `finally`) releases them and stops routing.
 */
async function holdRequests(p: Page, pattern: RegExp) {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const state = {
    asked: 0,
    release: () => release(),
    end: async () => {
      release();
      await p.unroute(pattern);
    },
  };
  await p.route(pattern, async (route) => {
    state.asked++;
    await held;
    await route.continue();
  });
  return state;
}

describe('mlo ui in Chromium', () => {
  it('filters runs and compares two of them', async () => {
    await page.goto(`${url}#/runs`);
    await expect.poll(() => total(page)).toBe('43 runs');
    await page.getByLabel('filter').fill("params.model = 'gbt'");
    await page.getByLabel('filter').press('Enter');
    await expect.poll(() => total(page)).toBe('2 runs');
    expect(page.url()).toContain('filter=params.model');
    for (const name of ['sweep-lr-0.01', 'sweep-lr-0.1'])
      await page.getByLabel(`select ${name}`).check();
    await page.getByRole('button', { name: /^compare 2/ }).click();
    await page.locator('[data-chart="loss"] canvas').first().waitFor();
    const differs = await page
      .locator('table[aria-label="params diff"] tr.differs td.mono')
      .allInnerTexts();
    expect(differs).toEqual(['depth', 'lr']);
    // the URL carries the view: a fresh page on it shows the same two runs
    const shared = page.url();
    expect(shared).toContain(store.sweepRuns[0]);
    const again = await browser.newPage();
    await again.goto(shared);
    await again.locator('table[aria-label="params diff"]').waitFor();
    expect(await again.locator('h1').innerText()).toContain('Compare 2 runs');
    await again.close();
  });

  it('reads a chart’s data, with smoothing and a log scale', async () => {
    await page.goto(`${url}#/compare?run=${store.sweepRuns.join(',')}&key=loss`);
    await page.locator('[data-chart="loss"] canvas').first().waitFor();
    type ChartEl = HTMLElement & {
      __chart: { data: (number | null)[][]; series: { label: string }[] };
    };
    const read = () =>
      page.locator('[data-chart="loss"]').evaluate((el) => {
        const u = (el as ChartEl).__chart;
        return { labels: u.series.map((s) => s.label), x: u.data[0], a: u.data[1], b: u.data[2] };
      });
    // the canvas can be drawn before both runs' series arrive (seen under load): wait for them
    await expect
      .poll(async () => (await read()).labels)
      .toEqual(['step', 'sweep-lr-0.01', 'sweep-lr-0.1']);
    const raw = await read();
    expect(raw.x).toHaveLength(200);
    expect(raw.a[0]).toBe(1);
    expect(raw.a[199]).toBeCloseTo(Math.exp(-199 / 40), 12);
    expect(raw.b[100]).toBeCloseTo(Math.exp(-100 / 100), 12);
    await page.getByLabel('smoothing').fill('0.9');
    await page.getByLabel('smoothing').dispatchEvent('change');
    await expect.poll(async () => (await read()).a[10]).not.toBeCloseTo(raw.a[10] as number, 6);
    const smoothed = await read();
    // debiased EMA: the first point is unchanged, later points lag behind the raw curve
    expect(smoothed.a[0]).toBeCloseTo(1, 12);
    expect(smoothed.a[10] as number).toBeGreaterThan(raw.a[10] as number);
    expect(page.url()).toContain('smooth=0.9');
  });

  it('opens a model’s lineage', async () => {
    await page.goto(`${url}#/models`);
    await page.getByRole('link', { name: 'churn' }).click();
    await page.getByRole('link', { name: 'v1', exact: true }).click();
    const graph = page.locator('svg[aria-label="lineage"]');
    // the page may still show the newest version's graph until v1's arrives
    await graph.locator('g.node[data-node="model:churn@1"]').waitFor();
    const nodes = await graph
      .locator('g.node')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-node')));
    expect(nodes).toEqual(
      expect.arrayContaining([
        'data:train.csv@' +
          (nodes.find((n) => n?.startsWith('data:train.csv@'))?.split('@')[1] ?? ''),
        `run:${store.trainRun}`,
        'model:churn@1',
        'alias:champion',
        'serving:main',
      ]),
    );
    expect(await graph.locator('path.edge').count()).toBeGreaterThanOrEqual(4);
    // the audit: the refused promotion with its gates
    await page.getByRole('button', { name: '1 of 2 gates failed' }).click();
    expect(await page.locator('table[aria-label="gates"]').first().innerText()).toContain(
      'accuracy >= 0.6',
    );
    // slices with their gap
    expect(await page.locator('table[aria-label="slices by region"]').innerText()).toContain('gap');
  });

  it('shows a drift report and a failing validation', async () => {
    await page.goto(`${url}#/quality`);
    await page.locator('table[aria-label="validations"]').waitFor();
    await page.getByRole('link', { name: 'reference' }).click();
    const report = page.locator('section[aria-label="drift report"]');
    await report.locator('tr[data-column="x1"]').waitFor();
    expect(await report.locator('tr[data-column="x1"] td').last().innerText()).toMatch(/^yes/);
    expect(await report.innerText()).toContain('dataset drift');
    await page.goto(`${url}#/quality`);
    await page.getByRole('link', { name: 'failed' }).click();
    const failing = page.locator('table[aria-label="expectations"] td[data-failing]');
    await failing.first().waitFor();
    expect((await failing.allInnerTexts()).join(' ')).toMatch(/1[0-4](\.\d+)?/);
  });

  it('does not move the baselines while the validations load', async () => {
    const validations = await holdRequests(page, /\/api\/ui\/validations$/);
    try {
      const baselines = page.waitForResponse(/\/api\/ui\/baselines$/);
      await page.goto(`${url}#/quality`);
      await baselines;
      await expect.poll(() => validations.asked).toBeGreaterThan(0);
      await nextFrames(page);
      // the link may wait for the validations, but once shown it must stay where it is
      const link = page.getByRole('link', { name: 'reference' });
      const before = (await link.count()) ? await docTop(link) : null;
      validations.release();
      await page.locator('table[aria-label="validations"]').waitFor();
      const after = await docTop(link);
      expect(before ?? after).toBe(after);
    } finally {
      await validations.end();
    }
  });

  it('previews artifacts safely and shows the command’s output', async () => {
    await page.goto(`${url}#/run/${store.trainRun}`);
    await page.getByRole('button', { name: 'confusion.png' }).click();
    const img = page.locator('img.preview');
    await expect.poll(() => img.evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(2);
    await page.getByRole('button', { name: 'evil.svg' }).click();
    const pre = page.locator('pre[aria-label="artifact preview"]');
    await pre.waitFor();
    expect(await pre.innerText()).toContain('<script>alert(1)</script>');
    expect(await page.locator('pre[aria-label="log tail"]').innerText()).toContain('done');
    expect(await page.locator('table[aria-label="params"]').innerText()).toContain('logistic');
  });

  it('keeps the artifacts in place while the run’s charts load', async () => {
    // the series are asked for after the run arrives, so they usually come last
    const series = await holdRequests(page, /\/api\/ui\/series\?/);
    try {
      await page.goto(`${url}#/run/${store.trainRun}`);
      const link = page.getByRole('button', { name: 'confusion.png' });
      await link.waitFor();
      await expect.poll(() => series.asked).toBeGreaterThan(0);
      const before = await docTop(link);
      series.release();
      await page.locator('[data-chart="loss"] canvas').waitFor();
      await page.locator('.chart-card[aria-busy="true"]').first().waitFor({ state: 'detached' });
      expect(await docTop(link)).toBe(before);
    } finally {
      await series.end();
    }
  });

  it('works from the keyboard and follows dark mode', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.goto(`${url}#/runs`);
    await expect.poll(() => total(page)).toBe('43 runs');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(20, 23, 29)');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'filter',
    );
    await page.keyboard.type("stage = 'evaluate'");
    await page.keyboard.press('Enter');
    await expect.poll(() => total(page)).toBe('14 runs');
    await page.getByRole('grid', { name: 'runs' }).focus();
    await page.keyboard.press('j');
    await page.keyboard.press(' ');
    await page.keyboard.press('k');
    await page.keyboard.press('x');
    await expect.poll(() => page.locator('.vt-row.sel').count()).toBe(2);
    await page.keyboard.press('c');
    await page.locator('h1', { hasText: 'Compare 2 runs' }).waitFor();
    await page.goBack();
    await page.getByRole('grid', { name: 'runs' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('dl.kv').waitFor();
    expect(page.url()).toContain('#/run/');
  });

  it('opens the row under the cursor on Enter pressed before the rows arrive', async () => {
    // Hold every rows request until Enter has been pressed: the keypress must not be lost.
    const rows = await holdRequests(page, /\/api\/ui\/runs\?/);
    try {
      await page.goto(`${url}#/runs`);
      const grid = page.getByRole('grid', { name: 'runs' });
      await grid.focus();
      await expect.poll(() => rows.asked).toBeGreaterThan(0);
      await page.keyboard.press('Enter');
      expect(page.url()).not.toContain('#/run/');
      rows.release();
      await page.locator('dl.kv').waitFor();
      expect(page.url()).toContain('#/run/');
    } finally {
      await rows.end();
    }
  });

  it('selects the row under the cursor on space pressed before the rows arrive', async () => {
    const rows = await holdRequests(page, /\/api\/ui\/runs\?/);
    try {
      await page.goto(`${url}#/runs`);
      await page.getByRole('grid', { name: 'runs' }).focus();
      await expect.poll(() => rows.asked).toBeGreaterThan(0);
      await page.keyboard.press(' ');
      rows.release();
      await expect.poll(() => total(page)).toBe('43 runs');
      await expect.poll(() => page.locator('.vt-row.sel').count()).toBe(1);
      expect(page.url()).toMatch(/sel=[0-9a-f]+/);
    } finally {
      await rows.end();
    }
  });

  it('shows error rates and live performance on the serving page', async () => {
    await page.goto(`${url}#/serving?model=churn&since=24h`);
    const errors = page.locator('table[aria-label="errors"]');
    await errors.waitFor();
    expect(await errors.locator('tbody tr').first().innerText()).toMatch(
      /v1\s+200\s+3\s+7\s+5\.00%/,
    );
    const accuracy = page.locator(
      'table[aria-label="live performance"] td[data-metric="accuracy"]',
    );
    let right = 0;
    for (let i = 0; i < 60; i++)
      for (let k = 0; k < 2; k++) if (SERVED_PREDICTION(i, k) === SERVED_LABEL(i)) right++;
    expect(Number(await accuracy.first().innerText())).toBeCloseTo(right / 120, 3);
  });

  it('updates while runs are logged, without a reload', async () => {
    await page.goto(`${url}#/runs?filter=${encodeURIComponent("experiment = 'live'")}`);
    await expect.poll(() => total(page)).toBe('0 runs');
    recordRuns(store.repo, [
      { name: 'live-1', experiment: 'live', startMs: Date.now(), metrics: { accuracy: 0.5 } },
    ]);
    await expect.poll(() => total(page), { timeout: 10_000 }).toBe('1 run');
    await page.getByRole('link', { name: 'live-1' }).waitFor();
  });

  it('shows a run logged before the live stream connected', async () => {
    // the page has its data, its change stream has not reached the server yet
    const events = await holdRequests(page, /\/api\/ui\/events/);
    try {
      await page.goto(`${url}#/runs?filter=${encodeURIComponent("experiment = 'late'")}`);
      await expect.poll(() => total(page)).toBe('0 runs');
      await expect.poll(() => events.asked).toBeGreaterThan(0);
      recordRuns(store.repo, [
        { name: 'late-1', experiment: 'late', startMs: Date.now(), metrics: { accuracy: 0.5 } },
      ]);
      events.release();
      await expect.poll(() => total(page), { timeout: 10_000 }).toBe('1 run');
    } finally {
      await events.end();
    }
  });
});
