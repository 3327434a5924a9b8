#!/usr/bin/env node
// The HTML drift report of a wide table (default 3,000 columns) in headless Chromium:
// file size and open time, for the current report and for the report format before
// cards were built on demand (the reference, rendered from the same check result in
// the same run).
//
//   npm run build:fast && node bench/report-drift-html.mjs [--columns N] [--rows N] [--repeat K] [--legacy REV|--no-legacy]
//
// Targets (issue 11): 3,000 columns open in under 2 s and the file stays under 5 MB.
//
// Open time is what Chromium reports for the page: navigation start to the load
// event, and to the first frame painted after it (the table is drawn by then: the
// page's script runs before the load event). Each measurement opens the file in a
// fresh page; the median of --repeat runs is printed. The interaction figures time,
// in the page, typing a search, sorting by PSI, opening one card and showing every
// row (the table draws 200 rows, then more on request), each until the next frame.
//
// The reference is the renderer at --legacy REV (default 98d13c0, the last commit
// with the old format): its src/ is extracted with `git archive` into a temporary directory and
// bundled with esbuild, then fed the same DriftCheckResult through mlo's library.
// Chromium is Debian's /usr/bin/chromium driven by playwright-core.
/* global document, requestAnimationFrame -- the page functions run in Chromium */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { freshRepo, median, mlo, ROOT, workDir } from './lib.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
};
const COLUMNS = Number(arg('columns', '3000'));
const ROWS = Number(arg('rows', '1000'));
const REPEAT = Number(arg('repeat', '3'));
const LEGACY = process.argv.includes('--no-legacy') ? null : arg('legacy', '98d13c0');
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

if (!existsSync(join(ROOT, 'dist/index.js'))) {
  console.error('dist/ is missing: run `npm run build:fast` first');
  process.exit(2);
}

/** mulberry32: a small seeded generator, so every run profiles the same data. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A wide CSV: 75% float columns, 15% categorical, 5% small integers (drawn as bars),
 * 5% datetimes (left out of the baseline). In the current file every 8th column moved.
 */
function writeWide(path, { rows, columns, seed, drifted }) {
  const rand = rng(seed);
  const gauss = () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const kinds = Array.from({ length: columns }, (_, j) =>
    j % 20 < 15 ? 'num' : j % 20 < 18 ? 'cat' : j % 20 === 18 ? 'int' : 'time',
  );
  const names = kinds.map((k, j) => `${k}_${String(j).padStart(4, '0')}_feature`);
  const lines = [names.join(',')];
  const day = Date.UTC(2025, 0, 1);
  for (let r = 0; r < rows; r++) {
    const cells = new Array(columns);
    for (let j = 0; j < columns; j++) {
      const shift = drifted && j % 8 === 0 ? 0.6 : 0;
      switch (kinds[j]) {
        case 'num':
          cells[j] = (gauss() * (1 + (j % 7)) + j + shift * (1 + (j % 7))).toFixed(4);
          break;
        case 'cat':
          cells[j] = `c${Math.floor(Math.min(0.999, rand() + shift / 3) * (5 + (j % 8)))}`;
          break;
        case 'int':
          cells[j] = String(Math.floor(rand() * 6 + shift * 2));
          break;
        default:
          cells[j] = new Date(day + Math.floor(rand() * 86400e3 * 30)).toISOString();
      }
    }
    lines.push(cells.join(','));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

/** The renderer as it was at `rev`, bundled to one module exporting renderDriftHtml. */
async function legacyRenderer(rev, out) {
  // outside the repository: tsc and eslint would read the old sources
  const src = mkdtempSync(join(tmpdir(), 'mlo-legacy-'));
  const archive = spawnSync('bash', ['-c', `git archive ${rev} src | tar -x -C "${src}"`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (archive.status !== 0) throw new Error(`git archive ${rev}: ${archive.stderr}`);
  const file = join(out, 'legacy-render.mjs');
  await build({
    entryPoints: [join(src, 'src/monitor/html/render.ts')],
    outfile: file,
    bundle: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'warning',
  });
  rmSync(src, { recursive: true, force: true });
  return (await import(pathToFileURL(file).href)).renderDriftHtml;
}

/** Open `file` in a fresh page REPEAT times; medians of the page's own timings (ms). */
async function measureOpen(browser, file) {
  const load = [];
  const painted = [];
  const fcp = [];
  for (let k = 0; k < REPEAT; k++) {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
    const t = await page.evaluate(
      () =>
        new Promise((resolve) =>
          requestAnimationFrame(() =>
            setTimeout(() => {
              const nav = performance.getEntriesByType('navigation')[0];
              const paint = performance.getEntriesByName('first-contentful-paint')[0];
              resolve({
                load: nav.loadEventEnd,
                painted: performance.now(),
                fcp: paint ? paint.startTime : NaN,
                rows: document.querySelectorAll('table.overview tbody tr').length,
              });
            }),
          ),
        ),
    );
    if (t.rows < Math.min(COLUMNS * 0.9, 200))
      throw new Error(`${file}: only ${t.rows} table rows drawn`);
    load.push(t.load);
    painted.push(t.painted);
    fcp.push(t.fcp);
    await page.close();
  }
  return { load: median(load), painted: median(painted), fcp: median(fcp) };
}

/** Search, sort and open a card in the new report, each timed in the page to the next frame. */
async function measureInteraction(browser, file) {
  const page = await browser.newPage();
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
  const timed = (step) =>
    page.evaluate(
      (s) =>
        new Promise((resolve) => {
          const t0 = performance.now();
          const search = document.getElementById('search');
          if (s === 'search' || s === 'clear') {
            search.value = s === 'search' ? 'num_01' : '';
            search.dispatchEvent(new Event('input'));
          } else if (s === 'sort') {
            document.querySelector('th[data-sort="psi"] button').click();
          } else if (s === 'all') {
            document.querySelector('button[data-more="all"]').click();
          } else {
            document.querySelector('button.col[aria-expanded="false"]').click();
          }
          requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0)));
        }),
      step,
    );
  const out = {};
  for (const step of ['search', 'clear', 'sort', 'card', 'all']) out[step] = await timed(step);
  await page.close();
  return out;
}

const out = workDir('report-drift');
const dataDir = join(out, 'data');
mkdirSync(dataDir, { recursive: true });
const ref = join(dataDir, `ref-${COLUMNS}x${ROWS}.csv`);
const cur = join(dataDir, `cur-${COLUMNS}x${ROWS}.csv`);
if (!existsSync(ref)) writeWide(ref, { rows: ROWS, columns: COLUMNS, seed: 1, drifted: false });
if (!existsSync(cur)) writeWide(cur, { rows: ROWS, columns: COLUMNS, seed: 2, drifted: true });

const repo = freshRepo(out);
const created = mlo(['baseline', 'create', 'wide', '--data', ref], { cwd: repo });
const newFile = join(out, 'report-new.html');
const checked = mlo(['drift', 'check', '--baseline', 'wide', '--data', cur, '--html', newFile], {
  cwd: repo,
  allowFail: true,
});
if (!existsSync(newFile)) throw new Error(`drift check wrote no report: ${checked.stderr}`);

const files = [{ name: 'report (cards on demand)', file: newFile }];
if (LEGACY) {
  const renderOld = await legacyRenderer(LEGACY, out);
  const lib = await import(pathToFileURL(join(ROOT, 'dist/index.js')).href);
  const r = lib.openRepo(repo);
  try {
    const result = await lib.checkDrift(r, { baseline: 'wide', data: cur, save: false });
    const oldFile = join(out, 'report-legacy.html');
    writeFileSync(oldFile, renderOld(result));
    files.push({ name: `reference: format at ${LEGACY}`, file: oldFile });
  } finally {
    r.close();
  }
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  console.log(
    `drift report, ${COLUMNS.toLocaleString('en-US')} columns × ${ROWS.toLocaleString('en-US')} rows ` +
      `(baseline create ${(created.ms / 1000).toFixed(1)} s, drift check --html ${(checked.ms / 1000).toFixed(1)} s); ` +
      `Chromium, median of ${REPEAT}`,
  );
  const rows = [];
  for (const f of files) {
    const mb = statSync(f.file).size / 1e6;
    const t = await measureOpen(browser, f.file);
    rows.push({ ...f, mb, ...t });
    console.log(
      `  ${f.name.padEnd(34)} ${mb.toFixed(2).padStart(7)} MB   load ${(t.load / 1000).toFixed(2)} s   ` +
        `table painted ${(t.painted / 1000).toFixed(2)} s   first contentful paint ${(t.fcp / 1000).toFixed(2)} s`,
    );
  }
  if (rows.length === 2) {
    const [a, b] = rows;
    console.log(
      `  ratio new/reference: size ${(a.mb / b.mb).toFixed(3)}, open ${(a.painted / b.painted).toFixed(3)}`,
    );
  }
  const it = await measureInteraction(browser, newFile);
  console.log(
    `  interaction (new): search ${it.search.toFixed(0)} ms, clear ${it.clear.toFixed(0)} ms, ` +
      `sort by PSI ${it.sort.toFixed(0)} ms, open a card ${it.card.toFixed(0)} ms, ` +
      `show all ${COLUMNS.toLocaleString('en-US')} rows ${it.all.toFixed(0)} ms`,
  );
  const a = rows[0];
  console.log(
    `  targets: under 5 MB ${a.mb < 5 ? 'yes' : 'NO'} (${a.mb.toFixed(2)}), opens under 2 s ${a.painted < 2000 ? 'yes' : 'NO'} (${(a.painted / 1000).toFixed(2)} s)`,
  );
} finally {
  await browser.close();
  rmSync(repo, { recursive: true, force: true });
}
