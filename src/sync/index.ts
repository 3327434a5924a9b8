/**
 * Sync: which records travel between a store and a server, their global ids, and
 * incremental cursors. A server runs the feed and applies pushes (feed.ts); a clone
 * pushes and pulls.
 */
export {
  applyPush,
  readFeedPage,
  readPredictionPage,
  recordDigest,
  PUSH_KINDS,
  type PushRequest,
  type PushResponse,
  type PushItemResult,
  type FeedOptions,
} from './feed.js';
export {
  ingestPredictionBatch,
  MAX_BATCH_ROWS,
  type PredictionBatchIn,
  type PredictionRowIn,
  type IngestResult,
} from './ingest.js';
