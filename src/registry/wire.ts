/**
 * The registry's requests as they travel to a server registry: a drafted version
 * with its baseline's profiles, an alias decision. A server takes them from clients
 * holding a write token, so every field is checked before it reaches the store.
 */
import { MloError } from '../errors.js';
import type { PreparedBaseline } from '../monitor/index.js';
import type { GateResult } from './gates/index.js';
import type { VersionDraft } from './register.js';
import type { ModelSignature } from '../onnx/index.js';

/** A prepared baseline with its profiles as base64 (the decoded ones are rebuilt there). */
export interface WireBaseline {
  record: PreparedBaseline['record'];
  columns: {
    position: number;
    name: string;
    kind: string;
    role: string;
    sourceKind: string;
    kindSource: string;
    /** the stored encoding of the profile, base64 */
    bytes: string;
  }[];
}

export function encodeBaseline(p: PreparedBaseline): WireBaseline {
  return {
    record: p.record,
    columns: p.columns.map((c) => ({
      position: c.position,
      name: c.name,
      kind: c.kind,
      role: c.role,
      sourceKind: c.sourceKind,
      kindSource: c.kindSource,
      bytes: Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength).toString('base64'),
    })),
  };
}

export function decodeBaseline(
  w: WireBaseline,
  decodeProfile: (bytes: Uint8Array) => PreparedBaseline['columns'][number]['profile'],
): PreparedBaseline {
  if (!w || typeof w !== 'object' || !Array.isArray(w.columns) || typeof w.record !== 'object') {
    throw new MloError('INVALID', 'baseline: {"record": {...}, "columns": [...]}');
  }
  const r = w.record;
  if (
    typeof r.source !== 'string' ||
    typeof r.sourceFormat !== 'string' ||
    !Number.isSafeInteger(r.rows)
  ) {
    throw new MloError('INVALID', 'baseline.record: source, sourceFormat and rows are required');
  }
  return {
    record: {
      source: r.source,
      sourceHash: typeof r.sourceHash === 'string' ? r.sourceHash : null,
      sourceFormat: r.sourceFormat,
      rows: r.rows,
      target: typeof r.target === 'string' ? r.target : null,
      prediction: typeof r.prediction === 'string' ? r.prediction : null,
      meta: typeof r.meta === 'object' && r.meta !== null ? r.meta : {},
    },
    columns: w.columns.map((c, i) => {
      if (
        typeof c?.name !== 'string' ||
        (c.kind !== 'numeric' && c.kind !== 'categorical') ||
        !['feature', 'target', 'prediction'].includes(c.role) ||
        typeof c.bytes !== 'string'
      ) {
        throw new MloError(
          'INVALID',
          `baseline.columns[${i}]: name, kind, role and bytes are required`,
        );
      }
      const bytes = new Uint8Array(Buffer.from(c.bytes, 'base64'));
      return {
        position: i,
        name: c.name,
        kind: c.kind,
        role: c.role as 'feature' | 'target' | 'prediction',
        sourceKind: String(c.sourceKind ?? ''),
        kindSource: c.kindSource === 'override' ? 'override' : 'inferred',
        profile: decodeProfile(bytes),
        bytes,
      };
    }),
  };
}

const HEX64 = /^[0-9a-f]{64}$/;
const COMMIT_RE = /^[0-9a-f]{7,64}$/;

function str(v: unknown, field: string, max = 2000): string {
  if (typeof v !== 'string' || v.length > max)
    throw new MloError('INVALID', `${field}: text of at most ${max} characters`);
  return v;
}

function optStr(v: unknown, field: string, max = 2000): string | null {
  return v === null || v === undefined ? null : str(v, field, max);
}

function record<T>(v: unknown, field: string, check: (x: unknown) => x is T): Record<string, T> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new MloError('INVALID', `${field}: an object`);
  for (const [k, x] of Object.entries(v)) {
    if (!check(x)) throw new MloError('INVALID', `${field}.${k}: wrong type`);
  }
  return v as Record<string, T>;
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isFinite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** A draft from a client, checked field by field (the signature is read again from the bytes). */
export function parseDraft(v: unknown, name: string, signature: ModelSignature): VersionDraft {
  if (typeof v !== 'object' || v === null) throw new MloError('INVALID', 'draft: an object');
  const d = v as Record<string, unknown>;
  if (typeof d.hash !== 'string' || !HEX64.test(d.hash))
    throw new MloError('INVALID', 'draft.hash: 64 hex digits');
  if (!Number.isSafeInteger(d.size) || (d.size as number) < 0)
    throw new MloError('INVALID', 'draft.size: bytes');
  const features = d.features;
  if (
    features !== null &&
    features !== undefined &&
    !(Array.isArray(features) && features.every(isString))
  ) {
    throw new MloError('INVALID', 'draft.features: a list of names, or null');
  }
  const lineage = (d.lineage ?? {}) as Record<string, unknown>;
  const gitCommit = optStr(d.gitCommit, 'draft.gitCommit', 64);
  if (gitCommit !== null && !COMMIT_RE.test(gitCommit))
    throw new MloError('INVALID', 'draft.gitCommit: a commit hash');
  return {
    name,
    hash: d.hash,
    size: d.size as number,
    createdBy: str(d.createdBy ?? 'unknown', 'draft.createdBy', 200),
    source: optStr(d.source, 'draft.source'),
    mlflowSource: optStr(d.mlflowSource, 'draft.mlflowSource'),
    runId: optStr(d.runId, 'draft.runId', 64),
    gitCommit,
    gitDirty: typeof d.gitDirty === 'boolean' ? d.gitDirty : null,
    signature,
    features: features ?? null,
    featuresSource: optStr(d.featuresSource, 'draft.featuresSource', 32),
    metrics: record(d.metrics ?? {}, 'draft.metrics', isFinite),
    tags: record(d.tags ?? {}, 'draft.tags', isString),
    lineage: {
      inputs: Array.isArray(lineage.inputs)
        ? (lineage.inputs as { path?: unknown; hash?: unknown }[]).map((i) => ({
            path: str(i?.path, 'draft.lineage.inputs[].path'),
            hash: optStr(i?.hash, 'draft.lineage.inputs[].hash', 64),
          }))
        : [],
      baselineData:
        lineage.baselineData && typeof lineage.baselineData === 'object'
          ? {
              path: str(
                (lineage.baselineData as Record<string, unknown>).path,
                'baselineData.path',
              ),
              hash: str(
                (lineage.baselineData as Record<string, unknown>).hash,
                'baselineData.hash',
                64,
              ),
              target: optStr(
                (lineage.baselineData as Record<string, unknown>).target,
                'baselineData.target',
              ),
            }
          : null,
      params: record(lineage.params ?? {}, 'draft.lineage.params', isString),
    },
    description: optStr(d.description, 'draft.description', 5000),
  };
}

/** A client's git HEAD, recorded in the audit beside the token's identity. */
export function parseCommit(v: unknown): string | null {
  const c = optStr(v, 'git_commit', 64);
  if (c !== null && !COMMIT_RE.test(c)) throw new MloError('INVALID', 'git_commit: a commit hash');
  return c;
}

export function parseExpected(v: unknown): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (Number.isSafeInteger(v) && (v as number) >= 1) return v as number;
  throw new MloError('INVALID', 'expected_from: a version number, or null for "no holder"');
}

export function parseGateResults(v: unknown): GateResult[] {
  if (!Array.isArray(v)) throw new MloError('INVALID', 'gates: a list of gate results');
  for (const g of v as Record<string, unknown>[]) {
    if (typeof g !== 'object' || g === null || typeof g.passed !== 'boolean') {
      throw new MloError('INVALID', 'gates[]: each has "passed"');
    }
  }
  return v as GateResult[];
}
