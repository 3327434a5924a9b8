/**
 * `POST /feedback` as one transport-independent function: (method, parsed JSON body)
 * → status and JSON. `mlo serve` and `mlo server` mount it on their own HTTP layer,
 * behind their own authentication and body-size limit.
 *
 * Body:
 *
 *     {"labels": [{"request_id": "r-17", "label": 1},
 *                 {"request_id": "r-18", "index": 2, "label": "churned", "time": "2025-03-01T10:00:00Z"}]}
 *     {"labels": [{"entity": "c-42", "time": 1740823200, "label": 0}],
 *      "entity_feature": "customer_id", "window": "7d", "model": "churn"}
 *
 * A bare array is read as the labels. The answer (200) is the merge's counts
 * (FeedbackResult); a malformed body is 400 with {"error": {"code", "message"}}.
 */
import { MloError, httpStatusOf, isMloError } from '../../errors.js';
import type { Repo } from '../../repo/index.js';
import { ingestLabels, type LabelRecord } from './ingest.js';

export interface FeedbackRequest {
  method: string;
  /** the JSON body, parsed */
  body?: unknown;
}

export interface FeedbackResponse {
  status: number;
  json: unknown;
}

export interface FeedbackHandlerOptions {
  /** labels per request (default 100,000); more is 413 */
  maxLabels?: number;
  /** recorded as the labels' source (default "http") */
  source?: string;
}

export const FEEDBACK_PATH = '/feedback';

export function createFeedbackHandler(
  repo: Repo,
  options: FeedbackHandlerOptions = {},
): (req: FeedbackRequest) => FeedbackResponse {
  const maxLabels = options.maxLabels ?? 100_000;
  return (req) => {
    try {
      if (req.method !== 'POST') {
        return {
          status: 405,
          json: { error: { code: 'METHOD_NOT_ALLOWED', message: 'POST labels to /feedback' } },
        };
      }
      const { labels, entityFeature, window, model } = parseBody(req.body, maxLabels);
      const result = ingestLabels(repo, labels, {
        source: options.source ?? 'http',
        entityFeature,
        window,
        model,
      });
      return { status: 200, json: result };
    } catch (err) {
      if (!isMloError(err)) throw err;
      return {
        status: httpStatusOf(err),
        json: { error: { code: err.code, message: err.message } },
      };
    }
  };
}

function parseBody(
  body: unknown,
  maxLabels: number,
): { labels: LabelRecord[]; entityFeature?: string; window?: string; model?: string } {
  const obj = Array.isArray(body)
    ? { labels: body }
    : typeof body === 'object' && body !== null
      ? body
      : null;
  if (obj === null)
    throw new MloError('INVALID', 'the body must be a JSON object {"labels": [...]}');
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!['labels', 'entity_feature', 'window', 'model'].includes(k)) {
      throw new MloError(
        'INVALID',
        `unknown field "${k}" (expected labels, entity_feature, window, model)`,
      );
    }
  }
  if (!Array.isArray(o.labels)) throw new MloError('INVALID', '"labels" must be an array');
  if (o.labels.length > maxLabels) {
    throw new MloError(
      'TOO_LARGE',
      `${o.labels.length} labels in one request; the limit is ${maxLabels}`,
    );
  }
  const text = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new MloError('INVALID', `"${k}" must be a string`);
    return v;
  };
  return {
    labels: o.labels.map(labelRecord),
    entityFeature: text('entity_feature'),
    window: text('window'),
    model: text('model'),
  };
}

function labelRecord(v: unknown, n: number): LabelRecord {
  const at = `labels[${n}]`;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new MloError('INVALID', `${at} must be an object`);
  }
  const r = v as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!['request_id', 'index', 'entity', 'time', 'label'].includes(k)) {
      throw new MloError('INVALID', `${at}: unknown field "${k}"`);
    }
  }
  const key = (k: 'request_id' | 'entity'): string | undefined => {
    const x = r[k];
    if (x === undefined || x === null) return undefined;
    if (typeof x === 'string') return x;
    if (typeof x === 'number' && Number.isFinite(x)) return String(x);
    throw new MloError('INVALID', `${at}.${k} must be a string`);
  };
  const label = r.label;
  if (!['string', 'number', 'boolean'].includes(typeof label)) {
    throw new MloError('INVALID', `${at}.label must be a string, number or boolean`);
  }
  const time = r.time;
  if (time !== undefined && typeof time !== 'string' && typeof time !== 'number') {
    throw new MloError('INVALID', `${at}.time must be an ISO date or epoch time`);
  }
  const index = r.index;
  if (index !== undefined && typeof index !== 'number') {
    throw new MloError('INVALID', `${at}.index must be a number`);
  }
  const requestId = key('request_id');
  const entity = key('entity');
  if ((requestId === undefined) === (entity === undefined)) {
    throw new MloError('INVALID', `${at} needs exactly one of request_id or entity`);
  }
  return {
    ...(requestId !== undefined && { requestId }),
    ...(entity !== undefined && { entity }),
    ...(index !== undefined && { index }),
    ...(time !== undefined && { time }),
    label: label as string | number | boolean,
  };
}
