/**
 * Ground truth: labels that arrive after the fact, joined to the logged predictions
 * they judge (by request id, or by entity key within a time window).
 *
 *     const r = await addFeedback(repo, { file: 'labels.csv', id: 'request_id', label: 'churned' });
 *     r.new; r.changed; r.unchanged; r.joined; r.unknown; r.unknownExamples
 *     ingestLabels(repo, [{ requestId: 'r-1', label: 1 }]);      // programs
 *     const handle = createFeedbackHandler(repo);                 // POST /feedback, any transport
 *     handle({ method: 'POST', body: { labels: [...] } });        // → { status, json }
 *
 * Feeding the same labels twice changes nothing; a changed label replaces the old one
 * and its joins; labels for requests not (yet) in the log are kept and join when their
 * predictions are written.
 */
export {
  addFeedback,
  ingestLabels,
  mergeLabelRows,
  storedLabel,
  type AddFeedbackOptions,
  type FeedbackResult,
  type FeedbackSkipped,
  type IngestLabelsOptions,
  type LabelRecord,
} from './ingest.js';
export {
  createFeedbackHandler,
  FEEDBACK_PATH,
  type FeedbackHandlerOptions,
  type FeedbackRequest,
  type FeedbackResponse,
} from './handler.js';
export { DEFAULT_ENTITY_WINDOW, type JoinMode } from './options.js';
