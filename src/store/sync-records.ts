/** Reading and writing any sync record by kind: the one switch over the codecs. */
import type { Store } from './open.js';
import {
  applyEventRecord,
  applyModelRecord,
  applyVersionRecord,
  deleteVersionRecord,
  readEventRecord,
  readModelRecord,
  readVersionRecord,
  type EventRecordData,
  type ModelRecordData,
  type VersionRecordData,
} from './sync-registry.js';
import {
  applyBaselineRecord,
  applyDriftRecord,
  applyEvaluationRecord,
  applyValidationRecord,
  deleteBaselineRecord,
  deleteDriftRecord,
  readBaselineRecord,
  readDriftRecord,
  readEvaluationRecord,
  readValidationRecord,
  type BaselineRecordData,
  type DriftRecordData,
  type EvaluationRecordData,
  type ValidationRecordData,
} from './sync-results.js';
import { applyRunRecord, deleteRunRecord, readRunRecord, type RunRecordData } from './sync-runs.js';
import { storeOrigin } from './sync.js';
import type { ApplyContext, ApplyOutcome, RecordKind, SyncRecord } from './sync-types.js';

type Read = { origin: string | null; data: object } | undefined;

function readData(store: Store, kind: RecordKind, key: string): Read {
  switch (kind) {
    case 'run':
      return readRunRecord(store, key);
    case 'model':
      return readModelRecord(store, key);
    case 'version':
      return readVersionRecord(store, key);
    case 'alias_event':
    case 'registry_event':
      return readEventRecord(store, kind, key);
    case 'evaluation':
      return readEvaluationRecord(store, key);
    case 'baseline':
      return readBaselineRecord(store, key);
    case 'drift_report':
      return readDriftRecord(store, key);
    case 'validation':
      return readValidationRecord(store, key);
  }
}

/**
 * The record as it is now, or its tombstone when it is gone. `origin` is the store
 * that created it: this store's id for its own records.
 */
export function readRecord(store: Store, kind: RecordKind, key: string): SyncRecord {
  const r = readData(store, kind, key);
  if (!r) return { kind, key, origin: '', deleted: true };
  return {
    kind,
    key,
    origin: r.origin ?? storeOrigin(store),
    data: r.data as Record<string, unknown>,
  };
}

/** Whether the record's row was created in this store (false for copies and absent rows). */
export function isOwnRecord(store: Store, kind: RecordKind, key: string): boolean {
  const r = readData(store, kind, key);
  return r !== undefined && r.origin === null;
}

/** Write a copy of a record, or apply its tombstone (call inside a write transaction). */
export function applyRecord(store: Store, record: SyncRecord, ctx: ApplyContext): ApplyOutcome {
  const { kind, key } = record;
  if (record.deleted || record.data === undefined) {
    switch (kind) {
      case 'run':
        return deleteRunRecord(store, key, ctx);
      case 'version':
        return deleteVersionRecord(store, key, ctx);
      case 'baseline':
        return deleteBaselineRecord(store, key, ctx);
      case 'drift_report':
        return deleteDriftRecord(store, key, ctx);
      default:
        // models are never deleted (a deleted model is renamed aside); audits and results never change
        return { status: 'skipped', reason: `a ${kind} is not deleted` };
    }
  }
  const d = record.data;
  switch (kind) {
    case 'run':
      return applyRunRecord(store, key, d as unknown as RunRecordData, ctx);
    case 'model':
      return applyModelRecord(store, key, d as unknown as ModelRecordData, ctx);
    case 'version':
      return applyVersionRecord(store, key, d as unknown as VersionRecordData, ctx);
    case 'alias_event':
    case 'registry_event':
      return applyEventRecord(store, kind, key, d as EventRecordData, ctx);
    case 'evaluation':
      return applyEvaluationRecord(store, key, d as EvaluationRecordData, ctx);
    case 'baseline':
      return applyBaselineRecord(store, key, d as unknown as BaselineRecordData, ctx);
    case 'drift_report':
      return applyDriftRecord(store, key, d as DriftRecordData, ctx);
    case 'validation':
      return applyValidationRecord(store, key, d as ValidationRecordData, ctx);
  }
}
