import type { Migration } from './types.js';

/**
 * The production loop (issue 16): ground truth joined to the prediction log, live
 * performance history, monitor incidents and their alert deliveries, retraining runs,
 * and the per-minute traffic counts `mlo serve` writes for error rates.
 *
 * - `feedback_labels`: every label as received, once per key. A label joins by
 *   (request_id, idx) — idx is the instance within a multi-instance request, -1 when
 *   the label did not say (it then joins only a request with one instance) — or by
 *   (entity, event_ms) with a time window. `label` has no declared type, so a number
 *   stays a number and a text stays text (no affinity).
 * - `prediction_requests`: request id → prediction_log row, filled from a cursor
 *   (`feedback_state`) by the feedback commands, never by the server: the logging hot
 *   path keeps its single index.
 * - `prediction_outcomes`: one row per labelled prediction-log row with what
 *   `mlo perf` reads (labels and predicted values as typed values, the probabilities of
 *   a two-class model as two columns, larger ones as JSON), so live metrics never
 *   parse the log's JSON.
 * - `perf_results`: every `mlo perf` result, as history.
 * - `monitor_checks`, `monitor_incidents`, `alert_deliveries`: rule evaluations; one
 *   open incident per rule and subject (the partial unique index), one delivery per
 *   incident, destination and event (trigger / resolve).
 * - `retrain_runs` and `monitor_locks` (a named lock held by a live process: pid plus
 *   the process's start time, so a crashed owner's lock is recognised as stale).
 * - `serve_traffic`: requests, server errors (5xx) and rejected requests (4xx) per
 *   served model version, route and minute.
 * - `rollout_events`: every step of a progressive rollout (`mlo serve --ramp`), its
 *   completion or its rollback, with the guards' values.
 */
export const production: Migration = {
  version: 17,
  name: 'production',
  up: `
    CREATE TABLE feedback_labels (
      id          INTEGER PRIMARY KEY,
      request_id  TEXT,
      idx         INTEGER NOT NULL DEFAULT -1,
      entity      TEXT,
      event_ms    INTEGER,
      label,
      received_ms INTEGER NOT NULL,
      source      TEXT NOT NULL,
      CHECK ((request_id IS NULL) <> (entity IS NULL)),
      CHECK (entity IS NULL OR event_ms IS NOT NULL)
    );
    CREATE UNIQUE INDEX feedback_labels_by_request ON feedback_labels (request_id, idx)
      WHERE request_id IS NOT NULL;
    CREATE UNIQUE INDEX feedback_labels_by_entity ON feedback_labels (entity, event_ms)
      WHERE entity IS NOT NULL;
    CREATE INDEX feedback_labels_by_received ON feedback_labels (received_ms);

    CREATE TABLE feedback_state (
      key   TEXT PRIMARY KEY,
      value INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE prediction_requests (
      request_id TEXT NOT NULL,
      pred_id    INTEGER NOT NULL,
      PRIMARY KEY (request_id, pred_id)
    ) WITHOUT ROWID;

    CREATE TABLE prediction_outcomes (
      pred_id    INTEGER PRIMARY KEY,
      label_id   INTEGER NOT NULL,
      model      TEXT NOT NULL,
      version    INTEGER NOT NULL,
      role       TEXT NOT NULL,
      route      TEXT,
      request_id TEXT,
      ts_ms      INTEGER NOT NULL,
      y_true,
      y_pred,
      p0         REAL,
      p1         REAL,
      probs      TEXT,
      latency_ms REAL
    );
    CREATE INDEX prediction_outcomes_by_model ON prediction_outcomes (model, version, ts_ms);
    CREATE INDEX prediction_outcomes_by_label ON prediction_outcomes (label_id);

    CREATE TABLE perf_results (
      id          INTEGER PRIMARY KEY,
      model       TEXT NOT NULL,
      versions    TEXT NOT NULL,
      role        TEXT NOT NULL,
      since_ms    INTEGER,
      until_ms    INTEGER NOT NULL,
      by          TEXT,
      labelled    INTEGER NOT NULL,
      verdict     TEXT,
      created_ms  INTEGER NOT NULL,
      result_json TEXT NOT NULL
    );
    CREATE INDEX perf_results_by_model ON perf_results (model, created_ms);

    CREATE TABLE monitor_checks (
      id          INTEGER PRIMARY KEY,
      rule        TEXT NOT NULL,
      subject     TEXT NOT NULL,
      at_ms       INTEGER NOT NULL,
      state       TEXT NOT NULL CHECK (state IN ('ok', 'firing', 'no_data', 'error')),
      value       REAL,
      sample      INTEGER,
      detail_json TEXT
    );
    CREATE INDEX monitor_checks_by_rule ON monitor_checks (rule, at_ms);

    CREATE TABLE monitor_incidents (
      id          INTEGER PRIMARY KEY,
      rule        TEXT NOT NULL,
      subject     TEXT NOT NULL,
      severity    TEXT NOT NULL,
      dedup_key   TEXT NOT NULL UNIQUE,
      opened_ms   INTEGER NOT NULL,
      resolved_ms INTEGER,
      value       REAL,
      threshold   REAL,
      summary     TEXT NOT NULL,
      detail_json TEXT
    );
    CREATE UNIQUE INDEX monitor_incidents_open ON monitor_incidents (rule, subject)
      WHERE resolved_ms IS NULL;

    CREATE TABLE alert_deliveries (
      id           INTEGER PRIMARY KEY,
      incident     INTEGER NOT NULL REFERENCES monitor_incidents (id),
      destination  TEXT NOT NULL,
      event        TEXT NOT NULL CHECK (event IN ('trigger', 'resolve')),
      status       TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
      attempts     INTEGER NOT NULL DEFAULT 0,
      claimed_ms   INTEGER,
      last_error   TEXT,
      created_ms   INTEGER NOT NULL,
      delivered_ms INTEGER,
      UNIQUE (incident, destination, event)
    );
    CREATE INDEX alert_deliveries_by_status ON alert_deliveries (status);

    CREATE TABLE retrain_runs (
      id          INTEGER PRIMARY KEY,
      trigger     TEXT NOT NULL,
      reason      TEXT NOT NULL,
      started_ms  INTEGER NOT NULL,
      finished_ms INTEGER,
      status      TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
      pid         INTEGER,
      host        TEXT,
      detail_json TEXT
    );
    CREATE INDEX retrain_runs_by_trigger ON retrain_runs (trigger, started_ms);

    CREATE TABLE monitor_locks (
      name        TEXT PRIMARY KEY,
      pid         INTEGER NOT NULL,
      host        TEXT NOT NULL,
      proc_start  TEXT,
      acquired_ms INTEGER NOT NULL,
      purpose     TEXT
    ) WITHOUT ROWID;

    CREATE TABLE serve_traffic (
      model     TEXT NOT NULL,
      version   INTEGER NOT NULL,
      route     TEXT NOT NULL,
      minute_ms INTEGER NOT NULL,
      requests  INTEGER NOT NULL,
      errors    INTEGER NOT NULL,
      rejected  INTEGER NOT NULL,
      PRIMARY KEY (model, version, route, minute_ms)
    ) WITHOUT ROWID;

    CREATE TABLE rollout_events (
      id             INTEGER PRIMARY KEY,
      rollout        TEXT NOT NULL,
      model          TEXT NOT NULL,
      main_version   INTEGER NOT NULL,
      canary_version INTEGER NOT NULL,
      step           INTEGER NOT NULL,
      percent        REAL NOT NULL,
      event          TEXT NOT NULL CHECK (event IN ('step', 'completed', 'rolled_back')),
      at_ms          INTEGER NOT NULL,
      guards_json    TEXT
    );
    CREATE INDEX rollout_events_by_model ON rollout_events (model, at_ms);
  `,
};
