/**
 * Online features before the model runs (src/features fills them; serve only calls
 * it): when `serve.features` is configured, rows sent by name — /predict's
 * `instances`, /invocations' `dataframe_records` or `instances` — carry join keys,
 * and the hook writes the features from the online store into them before they
 * become the model's input. Positional rows (V2 tensors, `inputs`) are left as sent.
 * Without a hook the request path does nothing more than test one field.
 */
import type { ServedModel } from './served-model.js';

/** What src/features/serving.ts (ServingFeatures) gives the server. */
export interface FeatureHook {
  /** refuses a model none of whose inputs the configured features fill */
  fillFor(inputs: readonly string[] | null, label?: string): unknown;
  enrich(
    rows: readonly unknown[],
    ctx: {
      model: string;
      version: number;
      inputs: readonly string[] | null;
      requestId?: string;
      where?: string;
    },
  ): Promise<void>;
  /** Feast's POST /get-online-features over the same online store */
  getOnlineFeatures(body: unknown): Promise<unknown>;
}

const RECORD_FIELDS = ['instances', 'dataframe_records'] as const;

/** Fill in the features of the rows a body sends by name; other bodies pass untouched. */
export async function enrichBody(
  hook: FeatureHook,
  body: unknown,
  served: ServedModel,
  requestId: string,
): Promise<void> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const obj = body as Record<string, unknown>;
  for (const field of RECORD_FIELDS) {
    const rows = obj[field];
    if (!Array.isArray(rows) || rows.length === 0 || Array.isArray(rows[0])) continue;
    await hook.enrich(rows, {
      model: served.model.name,
      version: served.model.version,
      inputs: served.layout.names,
      requestId,
      where: field,
    });
    return;
  }
}
