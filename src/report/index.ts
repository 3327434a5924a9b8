/**
 * `mlo report`: a summary for a pull-request comment, the way CML serves DVC users.
 *
 *     const data = await gatherReport(repo, { since: 'origin/main', run: 'a1b2c3' });
 *     renderReportMarkdown(data);   // GitHub-flavoured markdown
 *     renderReportHtml(data);       // one self-contained HTML file
 *
 * `gatherReport` compares the metric and param files with the base revision (the
 * `--since` revision, else the merge-base with the default branch, else HEAD), a run
 * with the newest finished run like it on the base commit, and lists the latest
 * validations, promotion decisions and drift checks stored since the base commit.
 * Outside git the file comparisons say so and the rest is still gathered.
 */
export { readPromotionFile } from './promotion-file.js';
export { gatherReport, relativeChange, type GatherReportOptions } from './gather.js';
export { resolveBase, type Base, type BaseRevision, type NoBaseRevision } from './base.js';
export { renderReportMarkdown } from './markdown.js';
export { renderReportHtml } from './html.js';
export type {
  ReportData,
  MetricsSection,
  MetricChange,
  ParamsSection,
  ParamChange,
  RunSection,
  RunSide,
  RunParamRow,
  RunMetricRow,
  ValidationEntry,
  FailedExpectation,
  PromotionEntry,
  GateEntry,
  DriftEntry,
  Unavailable,
} from './types.js';
export { renderReport, writeReportFile, REPORT_FORMATS, type ReportFormat } from './write.js';
