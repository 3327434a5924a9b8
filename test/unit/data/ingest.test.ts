import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyAndHash } from '../../../src/data/ingest.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('copyAndHash', () => {
  it('hashes and copies a file spanning several bursts and a partial last piece', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlo-ingest-'));
    const data = randomBytes((40 << 20) + 12_345);
    writeFileSync(join(dir, 'src.bin'), data);
    const seen: number[] = [];
    const r = await copyAndHash(join(dir, 'src.bin'), join(dir, 'dest.bin'), {
      onBytes: (n) => seen.push(n),
      durable: true,
    });
    expect(r).toEqual({ hash: sha256(data), size: data.length });
    expect(readFileSync(join(dir, 'dest.bin')).equals(data)).toBe(true);
    expect(seen.reduce((a, b) => a + b, 0)).toBe(data.length);
    expect(seen.length).toBeGreaterThan(1); // progress arrives in bursts, not once at the end
  });

  it('handles an empty file, and never overwrites an existing destination', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlo-ingest-'));
    writeFileSync(join(dir, 'empty'), '');
    const r = await copyAndHash(join(dir, 'empty'), join(dir, 'copy'));
    expect(r).toEqual({ hash: sha256(Buffer.alloc(0)), size: 0 });
    writeFileSync(join(dir, 'taken'), 'keep me');
    await expect(copyAndHash(join(dir, 'empty'), join(dir, 'taken'))).rejects.toThrow(/EEXIST/);
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('keep me');
  });

  it('hashes the bytes of the copy, even when the source is rewritten during the copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlo-ingest-'));
    const src = join(dir, 'src.bin');
    writeFileSync(src, randomBytes(64 << 20));
    // Another process scribbles over the source (same size) for the whole ingest.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(src)}, 'r+');
         const b = Buffer.alloc(4096); let i = 0;
         process.stdout.write('go\\n');
         for (;;) { b.fill(i & 255); fs.writeSync(fd, b, 0, b.length, ((i++ * 7919) % 16384) * 4096); }`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise((resolve) => writer.stdout.once('data', resolve));
    try {
      for (let round = 0; round < 3; round++) {
        const dest = join(dir, `dest-${round}.bin`);
        const r = await copyAndHash(src, dest);
        expect(r.hash).toBe(sha256(readFileSync(dest)));
        expect(r.size).toBe(64 << 20);
      }
    } finally {
      writer.kill();
    }
  });
});
