/**
 * status-warm.ts: `mlo status` starts the data worker before its code loads when a
 * pointer names a directory big enough to share stat calls, and only then; a hostile
 * pointer (a FIFO, a link) neither blocks it nor is followed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataWorkerWarmed } from '../../../src/data/data-worker.js';
import { warmForStatus } from '../../../src/data/status-warm.js';

const root = mkdtempSync(join(tmpdir(), 'mlo-warm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const pointer = (files: number) =>
  `# mlo pointer file\npath: data\ntype: dir\nhash: ${'a'.repeat(64)}\nsize: 1\nfiles: ${files}\n`;

describe('warmForStatus', () => {
  it('leaves the worker alone for small directories, links and FIFOs', () => {
    mkdirSync(join(root, '.mlo'));
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'small.mlo'), pointer(100));
    const elsewhere = join(root, 'elsewhere.txt');
    writeFileSync(elsewhere, pointer(1_000_000));
    symlinkSync(elsewhere, join(root, 'linked.mlo'));
    execFileSync('mkfifo', [join(root, 'sub/fifo.mlo')]);
    const t0 = Date.now();
    warmForStatus(join(root, 'sub'));
    expect(Date.now() - t0).toBeLessThan(5000); // returned: the FIFO was not waited on
    expect(dataWorkerWarmed()).toBe(false);
  });

  it('starts it for a directory of 8,192 files or more, from a sub-folder', () => {
    writeFileSync(join(root, 'sub/big.mlo'), pointer(8192));
    warmForStatus(join(root, 'sub'));
    expect(dataWorkerWarmed()).toBe(true);
  });
});
