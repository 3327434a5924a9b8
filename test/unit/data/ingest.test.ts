import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { streamIngest } from '../../../src/data/ingest.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('streamIngest', () => {
  it('hashes and copies a file spanning several bursts and a partial last piece', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlo-ingest-'));
    const data = randomBytes((40 << 20) + 12_345);
    writeFileSync(join(dir, 'src.bin'), data);
    const seen: number[] = [];
    const r = await streamIngest(join(dir, 'src.bin'), join(dir, 'dest.bin'), {
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
    const r = await streamIngest(join(dir, 'empty'), join(dir, 'copy'));
    expect(r).toEqual({ hash: sha256(Buffer.alloc(0)), size: 0 });
    writeFileSync(join(dir, 'taken'), 'keep me');
    await expect(streamIngest(join(dir, 'empty'), join(dir, 'taken'))).rejects.toThrow(/EEXIST/);
    expect(readFileSync(join(dir, 'taken'), 'utf8')).toBe('keep me');
  });
});
