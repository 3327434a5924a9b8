/**
 * Worker half of runColumnTasks (engine.ts): numeric columns arrive as transferred
 * Float64Arrays batch by batch; at the end each is profiled and either encoded
 * (baselines) or compared with its reference (checks).
 */
import { parentPort } from 'node:worker_threads';
import { isMloError } from '../errors.js';
import type { WorkerReply, WorkerRequest } from './engine.js';
import { computeOutcome, type ColumnOutcome } from './outcome.js';
import {
  decodeProfile,
  encodeProfile,
  NumericProfiler,
  type DriftOptions,
} from './profile/index.js';

let columns: { profiler: NumericProfiler; reference: Uint8Array | null; options: DriftOptions }[] =
  [];

function reply(message: WorkerReply): void {
  parentPort!.postMessage(message);
}

function handle(m: WorkerRequest): void {
  switch (m.type) {
    case 'init':
      columns = m.tasks.map((t) => ({
        profiler: new NumericProfiler(t.numeric),
        reference: t.reference,
        options: t.options,
      }));
      return;
    case 'batch':
      for (let j = 0; j < columns.length; j++) columns[j].profiler.add(m.arrays[j]);
      reply({ type: 'ack' });
      return;
    case 'finish': {
      const results: ({ encoded: Uint8Array } | { outcome: ColumnOutcome })[] = [];
      for (const c of columns) {
        const profile = c.profiler.finish();
        if (c.reference === null) {
          results.push({ encoded: encodeProfile(profile) });
        } else {
          results.push({ outcome: computeOutcome(decodeProfile(c.reference), profile, c.options) });
        }
      }
      reply({ type: 'done', results });
      return;
    }
  }
}

parentPort?.on('message', (m: WorkerRequest) => {
  try {
    handle(m);
  } catch (err) {
    reply({
      type: 'error',
      code: isMloError(err) ? err.code : null,
      message: err instanceof Error ? err.message : String(err),
    });
  }
});
