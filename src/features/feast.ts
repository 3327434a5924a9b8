/**
 * Feast's feature-server protocol: `POST /get-online-features` with
 *
 *     {"features": ["driver_stats:conv_rate", ...] | "feature_service": "name",
 *      "entities": {"driver_id": [1001, 1002]}, "full_feature_names": false}
 *
 * answered with {"metadata": {"feature_names": [...]}, "results": [{"values": [...],
 * "statuses": [...], "event_timestamps": [...]}, ...]} — one result per name, join keys
 * first, as Feast's Python server writes it. A translation onto OnlineFeatures.get;
 * `mlo features serve` and `mlo serve` both mount it.
 */
import { MloError } from '../errors.js';
import type { OnlineFeatures, OnlineRequest, OnlineResponse } from './online-read.js';

export const FEAST_ONLINE_PATH = '/get-online-features';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Feast's request body as an OnlineRequest, or INVALID naming the field. */
export function parseFeastRequest(body: unknown): OnlineRequest {
  if (!isRecord(body)) throw new MloError('INVALID', 'expected a JSON object with "entities"');
  const { entities, features, feature_service: service, full_feature_names: full } = body;
  if (!isRecord(entities)) {
    throw new MloError('INVALID', '"entities" must be an object of join key → list of values');
  }
  for (const [k, v] of Object.entries(entities)) {
    if (!Array.isArray(v)) throw new MloError('INVALID', `entities.${k} must be a list`);
  }
  if (
    features !== undefined &&
    (!Array.isArray(features) || !features.every((f) => typeof f === 'string'))
  ) {
    throw new MloError('INVALID', '"features" must be a list of "view:feature" strings');
  }
  if (service !== undefined && service !== null && typeof service !== 'string') {
    throw new MloError('INVALID', '"feature_service" must be a string');
  }
  if (full !== undefined && typeof full !== 'boolean') {
    throw new MloError('INVALID', '"full_feature_names" must be true or false');
  }
  const hasService = typeof service === 'string' && service !== '';
  const list = features ?? [];
  if (hasService === list.length > 0) {
    throw new MloError('INVALID', 'give either "features" or "feature_service"');
  }
  return {
    entities: entities as Record<string, unknown[]>,
    ...(hasService ? { featureService: service } : { features: list }),
    fullFeatureNames: full === true,
  };
}

export function getOnlineFeaturesFeast(
  features: OnlineFeatures,
  body: unknown,
): Promise<OnlineResponse> {
  const req = parseFeastRequest(body);
  if (req.featureService !== undefined && !features.defs.services[req.featureService]) {
    throw new MloError('NOT_FOUND', `no feature service ${req.featureService}`);
  }
  return features.get(req);
}
