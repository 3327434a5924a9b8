/**
 * A worker thread holding its own onnxruntime session: runs batches the HTTP thread
 * sends and answers with the normalised outputs. A failing run answers with an error
 * for that batch only; the session stays.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isMloError } from '../errors.js';
import { createSession, runModel } from '../onnx/index.js';
import type { ModelWorkerData, ModelWorkerReply, ModelWorkerRequest } from './pool.js';
import { lowerThreadPriority } from './thread-priority.js';

const data = workerData as ModelWorkerData;
const port = parentPort!;
// before the session exists, so onnxruntime's own threads inherit it
if (data.background) lowerThreadPriority();

function errorOf(err: unknown): { code: string; message: string } {
  return isMloError(err)
    ? { code: err.code, message: err.message }
    : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

try {
  const session = await createSession(data.bytes);
  port.on('message', (msg: ModelWorkerRequest) => {
    runModel(session, msg.x, msg.nRows, data.nFeatures).then(
      (out) => port.postMessage({ id: msg.id, out } satisfies ModelWorkerReply),
      (err: unknown) =>
        port.postMessage({ id: msg.id, error: errorOf(err) } satisfies ModelWorkerReply),
    );
  });
  port.postMessage({ id: 0, ready: true } satisfies ModelWorkerReply);
} catch (err) {
  port.postMessage({ id: 0, error: errorOf(err) } satisfies ModelWorkerReply);
}
