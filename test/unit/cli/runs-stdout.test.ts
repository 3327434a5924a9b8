/**
 * writePiecesToStdout (src/cli/runs-stdout.ts) writing to a real pipe in a child
 * process, whose reader waits before it reads: the pieces arrive whole and in order,
 * the pieces are built only as fast as the pipe takes them, and a reader that goes
 * away ends the writing quietly. The module is bundled with esbuild and run by the
 * child, as dist/ runs it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../../src/cli/runs-stdout.ts');
let out: string;

// Writes PIECES pieces of 1 MB (each filled with its own letter, some with a comma of
// one byte after them) and reports on stderr how many pieces had been built 300 ms in,
// before anything was read, and whether the writing completed. MODE shapes the descriptor:
//   blocking-missing: the handle cannot be made blocking (the stream's own path)
//   stays-nonblocking: it says it did but did not (writes meet EAGAIN, then the stream)
const DRIVER = `
import { writePiecesToStdout } from ${JSON.stringify(SRC)};
const PIECES = 24;
const mode = process.argv[2];
const handle = process.stdout._handle;
// the writer reports EPIPE itself; the CLI's handler (src/cli/main.ts) exits on it
process.stdout.on('error', () => {});
if (mode === 'blocking-missing') handle.setBlocking = undefined;
if (mode === 'stays-nonblocking') handle.setBlocking = () => 0;
let built = 0;
function* pieces() {
  for (let i = 0; i < PIECES; i++) {
    built++;
    yield Buffer.alloc(1 << 20, 97 + (i % 26));
    if (i % 3 === 0) yield Buffer.from(',');
  }
}
// the parent starts reading when it sees this line: until then nothing was read
let early = -1;
setTimeout(() => {
  early = built;
  process.stderr.write('built ' + early + '\\n');
}, 300);
const done = await writePiecesToStdout(pieces());
while (early < 0) await new Promise((r) => setTimeout(r, 20));
process.stderr.write(JSON.stringify({ done, early, built }));
`;

function expectedBytes(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 24; i++) {
    parts.push(Buffer.alloc(1 << 20, 97 + (i % 26)));
    if (i % 3 === 0) parts.push(Buffer.from(','));
  }
  return Buffer.concat(parts);
}

interface Report {
  done: boolean;
  early: number;
  built: number;
}

/**
 * Run the driver; the parent starts reading once the driver has said how many pieces
 * it built (`waitForBuilt`) or at once, and stops after `takeBytes`.
 */
function drive(
  mode: string,
  waitForBuilt: boolean,
  takeBytes = Infinity,
): Promise<{ code: number | null; stdout: Buffer; report: Report; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(out, 'driver.js'), mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let taken = 0;
    let stderr = '';
    let reading = false;
    const read = (): void => {
      if (reading) return;
      reading = true;
      child.stdout.on('data', (d: Buffer) => {
        chunks.push(d);
        taken += d.length;
        if (taken >= takeBytes) child.stdout.destroy();
      });
    };
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('built ')) read();
    });
    if (!waitForBuilt) read();
    child.on('error', fail);
    child.on('close', (code) => {
      const last = stderr.trim().split('\n').pop() ?? '';
      let report: Report = { done: false, early: -1, built: -1 };
      try {
        report = JSON.parse(last) as Report;
      } catch {
        // left as is: the assertions name what is missing
      }
      done({ code, stdout: Buffer.concat(chunks), report, stderr });
    });
  });
}

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'mlo-runs-stdout-'));
  writeFileSync(join(out, 'driver.ts'), DRIVER);
  await build({
    entryPoints: { driver: join(out, 'driver.ts') },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outdir: out,
    logLevel: 'silent',
  });
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('writePiecesToStdout', () => {
  it('writes every piece in order, building them only as fast as the reader takes them', async () => {
    const want = expectedBytes();
    for (const mode of ['pool', 'blocking-missing', 'stays-nonblocking']) {
      const r = await drive(mode, true);
      expect(r.code, `${mode}: ${r.stderr}`).toBe(0);
      expect(r.report.done, mode).toBe(true);
      expect(r.stdout.equals(want), mode).toBe(true);
      expect(r.report.built, mode).toBe(24);
      if (mode === 'pool') {
        // nothing was read yet, and a pipe holds 64 KiB: one piece is being written,
        // the next was built and waits for it
        expect(r.report.early, mode).toBeLessThanOrEqual(3);
      }
    }
  });

  it('stops quietly when the reader goes away', async () => {
    for (const mode of ['pool', 'stays-nonblocking']) {
      const r = await drive(mode, false, 3 << 20);
      expect(r.code, `${mode}: ${r.stderr}`).toBe(0);
      expect(r.report.done, mode).toBe(false);
      expect(r.report.built, mode).toBeLessThan(24);
    }
  });
});
