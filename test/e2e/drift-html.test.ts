/**
 * `mlo drift check --html` opened in headless Chromium (Debian's, through
 * playwright-core): the table the page draws, its search, sort and "drifted only"
 * filter, cards built when opened, links to a column, a wide table shown a page at a
 * time, columns the baseline left out, names that look like markup, and the page
 * with scripts turned off.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addTextProbe,
  launchChromium,
  nonAsciiChars,
  saveArtifact,
  tofuCheck,
} from '../helpers/chromium.js';
import { makeRepo, mlo, writeTree } from '../helpers/cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/drift/e2e');

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

function driftHtml(dir: string, data: string, out = 'reports/drift.html'): string {
  const r = mlo(['drift', 'check', '--baseline', 'b', '--data', data, '--html', out], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  return join(dir, out);
}

async function openPage(file: string, hash = ''): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(pathToFileURL(file).href + hash);
  await page.waitForLoadState('load');
  expect(errors).toEqual([]);
  return page;
}

const names = (page: Page): Promise<string[]> => page.locator('#rows button.col').allTextContents();

describe('mlo drift check --html in Chromium', () => {
  it('draws the table drifted first, searches, sorts, filters and builds a card when opened', async () => {
    const dir = makeRepo();
    for (const f of ['large_ref.csv', 'large_cur.csv'])
      copyFileSync(join(FIXTURES, f), join(dir, f));
    expect(
      mlo(['baseline', 'create', 'b', '--data', 'large_ref.csv', '--target', 'churned'], {
        cwd: dir,
      }).code,
    ).toBe(0);
    const file = driftHtml(dir, 'large_cur.csv');
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    // nothing fetched from anywhere
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(/);

    const page = await openPage(file);
    try {
      await expect(page.locator('.verdict').textContent()).resolves.toBe('Dataset drift detected');
      // report order: the three drifted columns, then visits
      const order = await names(page);
      expect(order).toHaveLength(4);
      expect(order[3]).toBe('visits');
      const drifted = await page.locator('#rows tr.drifted button.col').allTextContents();
      expect(drifted).toEqual(order.slice(0, 3));
      await expect(page.locator('#shown').textContent()).resolves.toBe('4 columns');
      // three drifted columns (at most five) open their cards by themselves
      expect(await page.locator('#rows tr.detail').count()).toBe(3);

      // search
      await page.fill('#search', 'VIS');
      expect(await names(page)).toEqual(['visits']);
      await expect(page.locator('#shown').textContent()).resolves.toBe('1 of 4 columns');
      await page.fill('#search', '');
      expect(await names(page)).toEqual(order);

      // sort by name, both ways, and by score
      await page.click('th[data-sort="name"] button');
      expect(await names(page)).toEqual([...order].sort());
      await expect(page.locator('th[data-sort="name"]').getAttribute('aria-sort')).resolves.toBe(
        'ascending',
      );
      await page.click('th[data-sort="name"] button');
      expect(await names(page)).toEqual([...order].sort().reverse());
      await page.click('th[data-sort="score"] button');
      const scores = await page.locator('#rows tr[data-i] td:nth-child(4)').allTextContents();
      const numeric = scores.map(Number);
      expect(numeric.every((x) => Number.isFinite(x))).toBe(true);
      expect(numeric).toEqual([...numeric].sort((a, b) => a - b));

      // drifted only
      await page.check('#only-drifted');
      expect((await names(page)).sort()).toEqual([...drifted].sort());
      await page.uncheck('#only-drifted');
      expect(await names(page)).toHaveLength(4);

      // open a card: chart, statistics, the deciding test's sentence; cards follow their row
      const visits = page.locator('#rows button.col', { hasText: 'visits' });
      await expect(visits.getAttribute('aria-expanded')).resolves.toBe('false');
      await visits.click();
      await expect(visits.getAttribute('aria-expanded')).resolves.toBe('true');
      const card = page.locator('section.card', { has: page.locator('h3', { hasText: 'visits' }) });
      expect(await card.locator('svg.chart').count()).toBe(1);
      expect(await card.locator('table.stats tr').count()).not.toBe(0);
      await expect(card.locator('.decision').textContent()).resolves.toMatch(
        /= [\d.e-]+ (<|≥) [\d.e-]+: no drift/,
      );
      expect(new URL(page.url()).hash).toBe('#column=visits');
      const text = await page.locator('main').innerText();
      expect(text).not.toMatch(/NaN|Infinity|undefined/);
      saveArtifact('drift-html.card.png', await page.screenshot({ fullPage: true }));
      // and no character of the page is an empty box
      for (const [i, ch] of (await nonAsciiChars(page)).entries()) {
        const check = await tofuCheck(
          page,
          await addTextProbe(page, 'main', ch),
          `drift-html.char${i}`,
        );
        expect(check.isTofu, `U+${ch.codePointAt(0)!.toString(16)} ${ch}`).toBe(false);
      }
      await visits.click();
      expect(await card.count()).toBe(0);
    } finally {
      await page.close();
    }

    // a link to a column opens its card
    const linked = await openPage(file, '#column=visits');
    try {
      await expect(
        linked.locator('#rows button.col', { hasText: 'visits' }).getAttribute('aria-expanded'),
      ).resolves.toBe('true');
    } finally {
      await linked.close();
    }
  });

  it('shows a wide table a page at a time, finds any column, and lists the left-out columns with the reason', async () => {
    const dir = makeRepo();
    const width = 450;
    const header = ['ts', '<img src=x onerror="window.pwned=1">', 'a</script><b>'];
    for (let j = 0; j < width; j++) header.push(`c_${String(j).padStart(4, '0')}`);
    const rows = (shift: number): string => {
      const lines = [header.map((h) => (/[,"<]/.test(h) ? `"${h.replace(/"/g, '""')}"` : h))];
      for (let r = 0; r < 60; r++) {
        const cells = [
          new Date(Date.UTC(2025, 0, 1 + r)).toISOString(),
          String((r * 7) % 11),
          `k${r % 3}`,
        ];
        for (let j = 0; j < width; j++)
          cells.push(String(((r * 31 + j * 17) % 97) + (j % 9 === 0 ? shift : 0)));
        lines.push(cells);
      }
      return lines.map((l) => l.join(',')).join('\n') + '\n';
    };
    writeTree(dir, { 'ref.csv': rows(0), 'cur.csv': rows(40) });
    const created = mlo(['baseline', 'create', 'b', '--data', 'ref.csv'], { cwd: dir });
    expect(created.code, created.stderr).toBe(0);
    const file = driftHtml(dir, 'cur.csv');

    const page = await openPage(file);
    try {
      const total = width + 3;
      await expect(page.locator('#shown').textContent()).resolves.toBe(`${total} columns`);
      // the first 200 rows, and a way to the rest
      expect(await page.locator('#rows tr[data-i]').count()).toBe(200);
      await expect(page.locator('button[data-more="page"]').textContent()).resolves.toBe(
        'show 200 more',
      );
      // too many drifted columns to open them all: no card exists yet
      expect(await page.locator('section.card').count()).toBe(0);

      // a column far down the list is one search away
      await page.fill('#search', 'c_0448');
      expect(await names(page)).toEqual(['c_0448']);
      await page.fill('#search', '');
      // a row is as tall before its thumbnail is drawn as after: drawing the
      // thumbnails near the screen (on scrolling to the button) moves nothing. CI
      // once saw a click on "show 200 more" miss while rows grew under it.
      const button = page.locator('button[data-more="page"]');
      const placed = () =>
        button.evaluate((b) => Math.round(b.getBoundingClientRect().top + window.scrollY));
      const before = await placed();
      const drawnRows = () => page.locator('#rows svg.spark').count();
      const drawnBefore = await drawnRows();
      await button.scrollIntoViewIfNeeded();
      await expect.poll(drawnRows).toBeGreaterThan(drawnBefore);
      expect(await placed()).toBe(before);
      // rows are drawn after the click returns: wait for them (a loaded machine lags)
      const shown = () => page.locator('#rows tr[data-i]').count();
      await page.click('button[data-more="page"]');
      await expect.poll(shown).toBe(400);
      await page.click('button[data-more="all"]');
      await expect.poll(shown).toBe(total);
      expect(await page.locator('tr.more').count()).toBe(0);

      // the datetime column is in the table, not checked, with the reason in its card
      const ts = page.locator('#rows tr[data-i]', {
        has: page.locator('button.col', { hasText: /^ts$/ }),
      });
      await expect(ts.locator('td:nth-child(6)').textContent()).resolves.toBe('left out');
      await ts.locator('button.col').click();
      await expect(page.locator('section.card .decision').last().textContent()).resolves.toBe(
        'Not profiled when the baseline was created: datetime column (use --kind ts=numeric to check it).',
      );
      await expect(page.locator('p.leftout').textContent()).resolves.toContain(
        '1 column was left out when the baseline was created',
      );

      // names that look like markup are text
      const all = await names(page);
      expect(all).toContain('<img src=x onerror="window.pwned=1">');
      expect(all).toContain('a</script><b>');
      expect(await page.locator('#rows img').count()).toBe(0);
      expect(await page.evaluate('window.pwned')).toBeUndefined();
    } finally {
      await page.close();
    }

    // the JSON report lists the left-out column too
    const json = mlo(['drift', 'check', '--baseline', 'b', '--data', 'cur.csv', '--json'], {
      cwd: dir,
    });
    expect(JSON.parse(json.stdout)).toMatchObject({
      left_out: [{ column: 'ts', reason: 'datetime column (use --kind ts=numeric to check it)' }],
    });
  });

  it('says what to do when scripts are off', async () => {
    const dir = makeRepo();
    writeTree(dir, { 'd.csv': 'x\n1\n2\n3\n' });
    expect(mlo(['baseline', 'create', 'b', '--data', 'd.csv'], { cwd: dir }).code).toBe(0);
    const file = driftHtml(dir, 'd.csv');
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(pathToFileURL(file).href);
      await expect(page.locator('main').innerText()).resolves.toContain(
        'mlo drift check --json prints the same results',
      );
    } finally {
      await context.close();
    }
  });
});
