/**
 * Where a model computes: on the HTTP thread (inline) or in worker threads, each with
 * its own onnxruntime session. onnxruntime-node computes on the calling JS thread, so
 * only workers give a second core to the model, at the price of a message round trip
 * per batch (see bench/serve.mjs for when that pays).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createSession, runModel, type FeatureMatrix, type ModelOutputs } from '../onnx/index.js';

export interface Runner {
  /** runs it takes at once: 1 inline, one per worker */
  readonly slots: number;
  readonly kind: 'inline' | 'workers';
  run(x: FeatureMatrix, nRows: number): Promise<ModelOutputs>;
  close(): Promise<void>;
}

export async function createInlineRunner(bytes: Uint8Array, nFeatures: number): Promise<Runner> {
  const session = await createSession(bytes);
  return {
    slots: 1,
    kind: 'inline',
    run: (x, nRows) => runModel(session, x, nRows, nFeatures),
    close: () => session.release(),
  };
}

/**
 * The built worker script beside this bundle; undefined when running from source
 * (tests import src/), where models then run inline.
 */
export function workerScript(name: string): URL | undefined {
  const url = new URL(`./${name}`, import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}
