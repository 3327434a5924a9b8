import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildLinearClassifier } from '../../src/index.js';
import type { ReportData } from '../../src/report/index.js';
import {
  addTextProbe,
  launchChromium,
  nonAsciiChars,
  saveArtifact,
  tofuCheck,
} from '../helpers/chromium.js';
import { git, makeRepo, mlo, parseJson, writeTree } from '../helpers/cli.js';

const MLO_YAML = `stages:
  train:
    cmd: node train.js
    params: [train.lr]
    metrics: [metrics.json]
validation:
  raw:
    - expect_column_values_to_be_between: {column: age, min_value: 0, max_value: 120}
    - expect_column_values_to_not_be_null: {column: name}
`;

/** A project whose base commit has acc 0.8 and lr 0.1; the workspace has acc 0.9, lr 0.2; data validated. */
function project(options: { git?: boolean } = {}): string {
  const dir = makeRepo({ git: options.git });
  writeTree(dir, {
    'mlo.yaml': MLO_YAML,
    'params.yaml': 'train:\n  lr: 0.1\n  depth: 4\n',
    'metrics.json': '{"acc": 0.8, "loss": 0.25}\n',
  });
  if (options.git !== false) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
  }
  writeTree(dir, {
    'params.yaml': 'train:\n  lr: 0.2\n  depth: 4\n',
    'metrics.json': '{"acc": 0.9, "loss": 0.25}\n',
    'data.csv': 'name,age\na,30\n,40\nc,150\n',
  });
  const v = mlo(['validate', 'data.csv', '--suite', 'raw'], { cwd: dir });
  expect(v.code).toBe(1); // two expectations fail
  return dir;
}

describe('mlo report', () => {
  it('prints a markdown summary for a pull request', () => {
    const dir = project();
    const base = git(dir, 'rev-parse', '--short=7', 'HEAD').trim();
    const r = mlo(['report'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('## mlo report');
    expect(lines).toContain(`| File | Metric | ${base} | workspace | Change |`);
    expect(lines).toContain('| `metrics.json` | `acc` | 0.8 | 0.9 | ▲ +0.1 (+12.5%) |');
    expect(lines).toContain('| `params.yaml` | `train.lr` | `0.1` | `0.2` |');
    expect(lines).toContain('1 unchanged param.');
    expect(r.stdout).toMatch(/\| ❌ \| `raw` \| `data.csv` \| 3 \| 0\/2 \| 2 \|/);
    expect(lines).toContain(`No promotion decisions since ${base}.`);
    expect(lines).toContain(`No drift checks since ${base}.`);
  });

  it('writes a self-contained HTML file with --format html --out', () => {
    const dir = project();
    const r = mlo(['report', '--format', 'html', '--out', 'reports/pr.html'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('wrote reports/pr.html');
    const html = readFileSync(join(dir, 'reports/pr.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<h2>Data validation</h2>');
    expect(html).toContain('▲ +0.1 (+12.5%)');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });

  it('prints the gathered data as one JSON document with --json', () => {
    const dir = project();
    const head = git(dir, 'rev-parse', 'HEAD').trim();
    const r = mlo(['report', '--json', '--since', 'HEAD'], { cwd: dir });
    expect(r.code).toBe(0);
    const data = parseJson<ReportData>(r);
    expect(data.base).toMatchObject({ available: true, how: 'since', commit: head });
    if (!data.metrics.available) throw new Error(data.metrics.reason);
    const acc = data.metrics.entries.find((e) => e.key === 'acc');
    expect(acc).toMatchObject({ old: 0.8, new: 0.9, state: 'changed' });
    expect(acc?.change).toBeCloseTo(0.1, 12);
    expect(data.params).toMatchObject({
      unchanged: 1,
      changed: [{ key: 'train.lr', old: 0.1, new: 0.2 }],
    });
    expect(data.validations).toHaveLength(1);
    expect(data.validations[0]).toMatchObject({ suite: 'raw', success: false, failed: 2 });
    expect(data.run).toBeNull();
  });

  it('refuses an unknown --since with exit 2 and one error line naming it', () => {
    const dir = project();
    const r = mlo(['report', '--since', 'no-such-rev'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe('error: --since no-such-rev: unknown git revision');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('outside git says so in the file sections and still reports the store', () => {
    const dir = project({ git: false });
    const r = mlo(['report'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No metrics diff: not a git repository.');
    expect(r.stdout).toContain('No params diff: not a git repository.');
    expect(r.stdout).toMatch(/\| ❌ \| `raw` \| `data.csv` \|/);
  });

  it('--promotion shows a dry run saved by `mlo promote --json`, which records nothing itself', async () => {
    const dir = makeRepo();
    // x > 0 is class 1; the data has one row the model gets wrong, so accuracy is 0.75
    writeFileSync(
      join(dir, 'm.onnx'),
      await buildLinearClassifier({ coefficients: [[4]], intercepts: [0] }),
    );
    writeTree(dir, {
      'data.csv': 'x,y\n1,1\n2,1\n-1,0\n-2,1\n',
      'mlo.yaml':
        'promotion:\n  champion:\n    data: data.csv\n    target: y\n    gates:\n      - accuracy >= 0.9\n      - accuracy >= 0.5\n',
    });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'model');
    expect(mlo(['model', 'register', 'm', 'm.onnx', '--features', 'x'], { cwd: dir }).code).toBe(0);
    const dry = mlo(['promote', 'm', '--to', 'champion', '--dry-run', '--json'], { cwd: dir });
    expect(dry.code).toBe(1);
    writeFileSync(join(dir, 'promote.json'), dry.stdout);

    const without = mlo(['report', '--since', 'HEAD'], { cwd: dir });
    expect(without.stdout).toContain('No promotion decisions since');
    const r = mlo(['report', '--since', 'HEAD', '--promotion', 'promote.json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('**m@champion** ← v1: ❌ would be rejected (dry run)');
    expect(r.stdout).toContain('| `accuracy >= 0.9` | 0.75 | 0.9 | ❌ |');
    expect(r.stdout).toContain('| `accuracy >= 0.5` | 0.75 | 0.5 | ✅ |');

    writeFileSync(join(dir, 'bad.json'), '{"promoted": true}');
    const bad = mlo(['report', '--promotion', 'bad.json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(
      /^error: --promotion .*bad\.json: not the output of `mlo promote --json` \(name: /,
    );
  });
});

/** Whether fontconfig knows a font with this character (false when fc-list is absent). */
function fontHas(char: string): boolean | null {
  const r = spawnSync('fc-list', [`:charset=${char.codePointAt(0)!.toString(16)}`, 'family'], {
    encoding: 'utf8',
  });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim() !== '';
}

describe('mlo report --format html in headless Chromium', () => {
  it('draws its pass, fail and warning marks, and every other character, as glyphs rather than empty boxes', async () => {
    const dir = project();
    writeTree(dir, {
      'checks/ok.suite.yaml':
        'name: ok\nexpectations:\n  - expect_column_to_exist: {column: age}\n',
      'checks/soft.suite.yaml':
        'name: soft\nexpectations:\n  - expect_column_values_to_be_between: {column: age, min_value: 0, max_value: 100, severity: warn}\n',
    });
    expect(
      mlo(['validate', 'data.csv', '--suite', 'checks/ok.suite.yaml'], { cwd: dir }).code,
    ).toBe(0);
    const soft = mlo(['validate', 'data.csv', '--suite', 'checks/soft.suite.yaml'], { cwd: dir });
    expect(soft.code, soft.stderr).toBe(0);
    const r = mlo(['report', '--format', 'html', '--out', 'report.html'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ deviceScaleFactor: 3 });
      await page.goto(pathToFileURL(join(dir, 'report.html')).href);
      saveArtifact('report-marks.page.png', await page.screenshot({ fullPage: true }));
      const chars = await nonAsciiChars(page);

      // the check itself: a glyph no font has is reported as an empty box
      const missing = await addTextProbe(page, 'td', '\u{10FFFE}');
      expect((await tofuCheck(page, missing, 'report-marks.control')).isTofu).toBe(true);
      // ... and so are the emoji the report used to print, where no emoji font is installed
      for (const [i, emoji] of ['\u2705', '\u274C'].entries()) {
        if (fontHas(emoji) !== false) continue;
        const old = await tofuCheck(
          page,
          await addTextProbe(page, 'td', emoji),
          `report-marks.emoji${i}`,
        );
        expect(old.isTofu, `${emoji} should be an empty box without an emoji font`).toBe(true);
      }

      // the marks: drawn, not boxes, in their colour (green, red, amber)
      const hue = {
        pass: (c: number[]) => c[1] > c[0] + 40 && c[1] > c[2] + 20,
        fail: (c: number[]) => c[0] > c[1] + 80 && c[0] > c[2] + 80,
        warn: (c: number[]) => c[0] > c[2] + 80 && c[1] > c[2] + 40,
      };
      for (const kind of ['pass', 'fail', 'warn'] as const) {
        const marks = page.locator(`[data-mark="${kind}"]`);
        expect(await marks.count(), kind).toBeGreaterThan(0);
        const check = await tofuCheck(page, marks.first(), `report-marks.${kind}`);
        expect(check.isTofu, `${kind} mark (distance ${check.distance})`).toBe(false);
        expect(check.ink.fill, `${kind} mark is a filled shape`).toBeGreaterThan(0.4);
        expect(hue[kind](check.ink.rgb), `${kind} colour ${check.ink.rgb.join(',')}`).toBe(true);
      }

      // every other non-ASCII character of the text, in the report's own font
      expect(chars).toContain('▲');
      for (const [i, ch] of chars.entries()) {
        const probe = await addTextProbe(page, 'td', ch);
        const check = await tofuCheck(page, probe, `report-marks.char${i}`);
        expect(check.isTofu, `U+${ch.codePointAt(0)!.toString(16)} ${ch}`).toBe(false);
      }
    } finally {
      await browser.close();
    }
  });
});
