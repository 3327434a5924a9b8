import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MloError } from '../../../src/errors.js';
import { createWorkerRunner } from '../../../src/serve/pool.js';
import { tempRepo } from './helpers.js';

/**
 * A stand-in worker speaking the model worker's protocol: answers nRows back, dies on
 * a 13-row batch (as a native crash in onnxruntime would take the thread down).
 */
const WORKER = `
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (msg) => {
  if (msg.nRows === 13) process.exit(7);
  parentPort.postMessage({ id: msg.id, out: { nRows: msg.nRows, labels: Array.from(msg.x) } });
});
parentPort.postMessage({ id: 0, ready: true });
`;

describe('model worker pool', () => {
  it('a dying worker fails only its batch and is replaced', async () => {
    const repo = tempRepo();
    const script = join(repo.root, 'fake.worker.mjs');
    writeFileSync(script, WORKER);
    const crashes: string[] = [];
    const runner = await createWorkerRunner(
      pathToFileURL(script),
      { bytes: new Uint8Array(0), nFeatures: 1 },
      { threads: 2, onCrash: (m) => crashes.push(m) },
    );
    try {
      expect((await runner.run(Float32Array.from([4]), 1)).labels).toEqual([4]);
      const failed = await runner.run(new Float32Array(13), 13).then(
        () => null,
        (err: unknown) => err,
      );
      expect(failed).toBeInstanceOf(MloError);
      expect((failed as MloError).message).toBe('model worker stopped: exit code 7');
      expect(crashes).toEqual(['exit code 7']);
      // kill the other one too: only replacements can answer after this
      await runner.run(new Float32Array(13), 13).catch(() => undefined);
      let answer: number[] | undefined;
      for (let i = 0; i < 200 && !answer; i++) {
        answer = await runner.run(Float32Array.from([5]), 1).then(
          (o) => o.labels as number[],
          async () => {
            await new Promise((r) => setTimeout(r, 25));
            return undefined;
          },
        );
      }
      expect(answer).toEqual([5]);
      expect(crashes.length).toBeGreaterThanOrEqual(2);
    } finally {
      await runner.close();
    }
  });
});
