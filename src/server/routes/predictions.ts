/** Prediction-log batches from serving replicas. */
import { ingestPredictionBatch, type PredictionBatchIn } from '../../sync/index.js';
import type { Route } from '../http.js';

const BATCH_BYTES = 16 << 20;

export const predictionRoutes: Route[] = [
  {
    name: 'predictions_ingest',
    method: 'POST',
    path: /^\/api\/predictions$/,
    scope: 'write',
    body: BATCH_BYTES,
    handle: (call) => {
      const r = ingestPredictionBatch(call.ctx.repo.store, call.body as PredictionBatchIn);
      if (r.duplicate) call.ctx.metrics.duplicateBatches++;
      else call.ctx.metrics.predictionRows += r.accepted;
      return { json: r };
    },
  },
];
