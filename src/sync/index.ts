/**
 * Sync: which records travel between a store and a server, their global ids, and
 * incremental cursors. A server runs the feed and applies pushes (feed.ts); a clone
 * pushes and pulls.
 */
export {
  applyPush,
  readFeedPage,
  readLabelPage,
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
export { ServerClient, type ServerTarget, type ClientOptions } from './client.js';
export {
  serverTarget,
  targetFromUrl,
  serverRemoteNames,
  isServerUrl,
  stateScope,
  TOKEN_ENV,
} from './target.js';
export { loadTeamConfig, parseTeamConfig, type TeamConfig } from './config.js';
export {
  pushRecords,
  pendingPushCount,
  type PushRecordsOptions,
  type PushRecordsResult,
} from './push.js';
export { pullRecords, type PullRecordsOptions, type PullRecordsResult } from './pull.js';
export { sendObjects, fetchObjects, type ObjectStats } from './objects.js';
export { pushAll, pullAll, type TeamPushResult, type TeamPullResult } from './transfer.js';
export { pushIfConfigured, type AutoPushResult } from './auto.js';
export {
  startReplicaSync,
  pullRegistry,
  defaultReplicaDir,
  openReplica,
  type ReplicaSync,
  type ReplicaStats,
  type ReplicaOptions,
  type ReplicaEvent,
} from './replica.js';
