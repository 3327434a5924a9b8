/**
 * Headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) for tests
 * of the HTML mlo writes, and a pixel check for "this glyph rendered as an empty box".
 *
 * A browser draws a character no installed font has as the font's .notdef glyph: a
 * hollow rectangle ("tofu"). `tofuCheck` screenshots an element and, next to it in
 * the same font, a code point no font maps (U+10FFFD, private use), and compares the
 * two ink shapes on a coarse grid. Screenshots go to test/artifacts/ (git-ignored).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { ROOT } from './cli.js';

/*
 * The few DOM objects the in-page functions below touch: the project compiles
 * without the DOM library, and these functions run in the browser, not in Node.
 */
interface PageElement {
  id: string;
  textContent: string | null;
  className: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  after(node: PageElement): void;
  append(node: PageElement): void;
  remove(): void;
}
interface PageImage {
  src: string;
  width: number;
  height: number;
  decode(): Promise<void>;
}
interface PageCanvas extends PageElement {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    drawImage(image: PageImage, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  } | null;
}
declare const document: {
  createElement(tag: 'canvas'): PageCanvas;
  createElement(tag: string): PageElement;
  querySelector(selector: string): PageElement | null;
  body: { innerText: string };
};
declare const Image: new () => PageImage;

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export const ARTIFACTS = join(ROOT, 'test/artifacts');

/** Keep a screenshot for a person to look at after the run. */
export function saveArtifact(name: string, png: Buffer): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  writeFileSync(path, png);
  return path;
}

/** A code point no font maps: the browser must draw the .notdef box for it. */
export const MISSING_GLYPH = '\u{10FFFD}';

export interface Ink {
  width: number;
  height: number;
  /** 1 where the pixel differs clearly from the background (the top-left pixel) */
  mask: Uint8Array;
  /** bounding box of the ink, null when there is none */
  box: { x0: number; y0: number; x1: number; y1: number } | null;
  /** ink pixels / pixels of the ink's bounding box */
  fill: number;
  /** mean colour of the ink pixels */
  rgb: [number, number, number];
}

/** Decode a PNG in the page (a canvas) and find its ink. */
export async function inkOf(page: Page, png: Buffer): Promise<Ink> {
  const raw = await page.evaluate(async (b64: string) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, img.width, img.height).data;
    return { width: img.width, height: img.height, data: Array.from(d) };
  }, png.toString('base64'));
  const { width, height, data } = raw;
  const bg = [data[0], data[1], data[2]];
  const mask = new Uint8Array(width * height);
  const sum = [0, 0, 0];
  for (let i = 0; i < width * height; i++) {
    const p = i * 4;
    const diff = Math.max(
      Math.abs(data[p] - bg[0]),
      Math.abs(data[p + 1] - bg[1]),
      Math.abs(data[p + 2] - bg[2]),
    );
    if (diff < 64) continue;
    mask[i] = 1;
    for (let c = 0; c < 3; c++) sum[c] += data[p + c];
  }
  return inkIn(mask, width, height, 0, width - 1, sum);
}

function inkIn(
  mask: Uint8Array,
  width: number,
  height: number,
  fromX: number,
  toX: number,
  sum: number[] = [0, 0, 0],
): Ink {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = fromX; x <= toX; x++) {
      if (!mask[y * width + x]) continue;
      count++;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  }
  const box = x1 < 0 ? null : { x0, y0, x1, y1 };
  const area = box ? (box.x1 - box.x0 + 1) * (box.y1 - box.y0 + 1) : 1;
  return {
    width,
    height,
    mask,
    box,
    fill: count / area,
    rgb: count === 0 ? [0, 0, 0] : (sum.map((s) => s / count) as [number, number, number]),
  };
}

/**
 * The ink split at blank columns: one piece per glyph, as a browser may draw one
 * box per missing code unit or per cluster.
 */
export function piecesOf(ink: Ink): Ink[] {
  const pieces: Ink[] = [];
  let start = -1;
  for (let x = 0; x <= ink.width; x++) {
    let any = false;
    if (x < ink.width) {
      for (let y = 0; y < ink.height && !any; y++) any = ink.mask[y * ink.width + x] === 1;
    }
    if (any && start < 0) start = x;
    if (!any && start >= 0) {
      pieces.push(inkIn(ink.mask, ink.width, ink.height, start, x - 1));
      start = -1;
    }
  }
  return pieces;
}

const GRID = 8;

/** The ink inside its bounding box as GRID×GRID cell coverages (0..1). */
function shapeOf(ink: Ink): Float64Array {
  const out = new Float64Array(GRID * GRID);
  if (!ink.box) return out;
  const { x0, y0, x1, y1 } = ink.box;
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const n = new Float64Array(GRID * GRID);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const cell =
        Math.min(GRID - 1, Math.floor(((y - y0) * GRID) / h)) * GRID +
        Math.min(GRID - 1, Math.floor(((x - x0) * GRID) / w));
      n[cell]++;
      out[cell] += ink.mask[y * ink.width + x];
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = n[i] === 0 ? 0 : out[i] / n[i];
  return out;
}

/** Mean absolute difference of two ink shapes on the grid, plus their aspect ratios: 0 is the same shape. */
export function shapeDistance(a: Ink, b: Ink): number {
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  let d = 0;
  for (let i = 0; i < sa.length; i++) d += Math.abs(sa[i] - sb[i]);
  const aspect = (i: Ink): number =>
    i.box ? (i.box.x1 - i.box.x0 + 1) / (i.box.y1 - i.box.y0 + 1) : 0;
  return d / sa.length + Math.abs(Math.log((aspect(a) || 1e-3) / (aspect(b) || 1e-3))) / 4;
}

/** Below this distance from the .notdef box, a rendering counts as an empty box. */
export const TOFU_DISTANCE = 0.2;

export interface TofuCheck {
  ink: Ink;
  tofu: Ink;
  /** the smallest distance of a piece of the element's ink from the .notdef box */
  distance: number;
  /** some glyph of the element drew (nearly) the same shape as a missing glyph, or nothing drew */
  isTofu: boolean;
}

/**
 * Screenshot `target` and a missing glyph rendered right after it (same parent, same
 * font and colour), and compare the two. `name` files the screenshots as artifacts.
 */
export async function tofuCheck(page: Page, target: Locator, name: string): Promise<TofuCheck> {
  const probe = await target.evaluate((on: unknown, glyph: string) => {
    // typed here by hand: the test build has no DOM library in some configurations
    const el = on as PageElement;
    const span = document.createElement('span');
    span.textContent = glyph;
    span.className = el.getAttribute('class') ?? '';
    span.setAttribute('data-tofu-probe', '');
    el.after(span);
    return true;
  }, MISSING_GLYPH);
  if (!probe) throw new Error('could not place the probe');
  const probeEl = page.locator('[data-tofu-probe]');
  try {
    const shot = await target.screenshot({ animations: 'disabled' });
    const tofuShot = await probeEl.screenshot({ animations: 'disabled' });
    saveArtifact(`${name}.png`, shot);
    saveArtifact(`${name}.notdef.png`, tofuShot);
    const ink = await inkOf(page, shot);
    const tofu = await inkOf(page, tofuShot);
    const distance = Math.min(...piecesOf(ink).map((p) => shapeDistance(p, tofu)));
    return { ink, tofu, distance, isTofu: ink.box === null || distance < TOFU_DISTANCE };
  } finally {
    await probeEl.evaluate((el: { remove(): void }) => el.remove());
  }
}

/** A span holding `text`, appended to the first element matching `parent` (to take its font). */
export async function addTextProbe(
  page: Page,
  parent: string,
  text: string,
): Promise<ReturnType<Page['locator']>> {
  const id = `probe-${++probes}`;
  await page.evaluate(
    ([selector, spanId, content]) => {
      const span = document.createElement('span');
      span.id = spanId;
      span.textContent = content;
      const host = document.querySelector(selector);
      if (!host) throw new Error(`no ${selector}`);
      host.append(span);
    },
    [parent, id, text] as const,
  );
  return page.locator(`#${id}`);
}
let probes = 0;

/** The distinct characters of the page's visible text beyond ASCII (spaces left out). */
export function nonAsciiChars(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...new Set(document.body.innerText)].filter((c) => c.codePointAt(0)! > 0x7e && c.trim()),
  );
}
