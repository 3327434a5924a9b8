/**
 * The prediction log out: features, outputs, version, route, latency and the label
 * where one has joined, as JSON lines, CSV or Parquet, for notebooks and warehouses.
 *
 *     await exportPredictions(repo, { model: 'churn@champion', since: '24h', format: 'csv', out: 'p.csv' });
 */
export {
  exportPredictions,
  EXPORT_FORMATS,
  type PredictionExportFormat,
  type PredictionExportOptions,
  type PredictionExportResult,
} from './export.js';
