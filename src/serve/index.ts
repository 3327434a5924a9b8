/**
 * Serving registered ONNX models over HTTP, and reading back what was served.
 *
 *     const server = await startServer(repo, { model: 'churn@champion', port: 0,
 *       canary: 'churn@challenger:10', logPredictions: true });
 *     server.url;                        // http://127.0.0.1:PORT
 *     await server.close();              // graceful: answers in-flight, flushes the log
 *
 *     // the prediction log, for drift checks and notebooks
 *     readPredictions(repo, { model: 'churn@3', since: '24h' });       // records
 *     readPredictionColumns(repo, { model: 'churn', since: '24h' });   // columns by feature
 *
 * The prediction_log table's shape is documented in src/store/migrations/005-serve.ts.
 * Rows the server could not write at once wait in `.mlo/spool/`; every reader here
 * drains that spool into the store first (spool.ts).
 */
export { startServer, type Server, type ServedModelInfo, type ShutdownSummary } from './server.js';
export { SERVE_DEFAULTS, type ServeOptions, type ServeEvent, type AccessEntry } from './options.js';
export { loadServeConfig, parseServeConfig, type ServeConfig } from './config.js';
export { parseCanary, goesToCanary, hashRequestId, type CanarySpec } from './routing.js';
export {
  readPredictions,
  iteratePredictions,
  countPredictions,
  readPredictionColumns,
  parseTimeBound,
  type ReadPredictionsOptions,
  type PredictionRecord,
  type PredictionColumns,
} from './predictions.js';
export { drainSpool, spoolDirOf, ownerTag, ownerAlive, type DrainResult } from './spool.js';
export type { PredictionRole, PredictionRoute } from '../store/index.js';
