/**
 * Validating generated manifests against the real schemas: the Kubernetes, Prometheus
 * Operator and Argo Workflows schemas compiled into the `kubernetes-models` packages,
 * and KServe's InferenceService CRD schema (vendored, test/fixtures/schemas/kserve)
 * with ajv. CRD schemas are checked strictly, as the API server's strict field
 * validation does: a field the schema does not know is an error unless the object
 * preserves unknown fields.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Ajv, type ErrorObject } from 'ajv';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Workflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Workflow';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { ROOT } from './cli.js';

export const KSERVE_SCHEMA = join(
  ROOT,
  'test/fixtures/schemas/kserve/inferenceservice-v1beta1.v0.20.0.json.gz',
);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the models' constructors take their own typed data
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'argoproj.io/v1alpha1/Workflow': Workflow,
};

/** Schema errors of one object of a kind the `kubernetes-models` packages know ([] when valid). */
export function kubeModelErrors(obj: { apiVersion: string; kind: string }): string[] {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: ErrorObject[] }).errors;
    return errors
      ? errors.map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
      : [(err as Error).message];
  }
}

type Schema = Record<string, unknown>;

/** Unknown fields become errors wherever the schema lists properties and keeps no unknown ones. */
export function strictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictSchema);
  if (node === null || typeof node !== 'object') return node;
  const s: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    s[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Schema).map(([p, sub]) => [p, strictSchema(sub)]))
        : strictSchema(v);
  }
  if (
    s.properties !== undefined &&
    s.additionalProperties === undefined &&
    s['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    s.additionalProperties = false;
  }
  return s;
}

// keywords whose value is one schema, or an array of schemas
const SUBSCHEMA = new Set(['additionalProperties', 'items', 'not']);
const SUBSCHEMAS = new Set(['allOf', 'anyOf', 'oneOf']);
// below this many characters a subschema is cheaper inline than behind a $ref
const MIN_SHARED = 200;

/**
 * The same schema with every repeated subschema moved once into `$defs` and
 * referenced. A CRD schema has no $refs: KServe's repeats the container and volume
 * schemas for each of its model formats (640 kB of JSON), which ajv compiles in
 * 15-20 s inline and well under a second shared. Validation is unchanged: each $ref
 * points at an identical copy of what it replaces.
 */
export function shareRepeatedSubschemas(root: Schema): Schema {
  const keyOf = new Map<object, string>();
  const count = new Map<string, number>();
  // canonical text of every subschema, bottom-up (the key order of the parsed JSON)
  const measure = (node: unknown): string => {
    const key = JSON.stringify(node);
    if (node !== null && typeof node === 'object') {
      for (const child of Object.values(node as Schema)) measure(child);
      if (!Array.isArray(node)) {
        keyOf.set(node, key);
        count.set(key, (count.get(key) ?? 0) + 1);
      }
    }
    return key;
  };
  measure(root);
  const defs: Schema = {};
  const defName = new Map<string, string>();
  const rewriteSchema = (node: unknown): unknown => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return node;
    const key = keyOf.get(node);
    if (key !== undefined && key.length >= MIN_SHARED && (count.get(key) ?? 0) > 1) {
      let name = defName.get(key);
      if (name === undefined) {
        name = `s${defName.size}`;
        defName.set(key, name);
        defs[name] = rewriteChildren(node as Schema);
      }
      return { $ref: `#/$defs/${name}` };
    }
    return rewriteChildren(node as Schema);
  };
  const rewriteChildren = (node: Schema): Schema => {
    const out: Schema = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'properties' && v !== null && typeof v === 'object') {
        out[k] = Object.fromEntries(Object.entries(v).map(([p, sub]) => [p, rewriteSchema(sub)]));
      } else if (SUBSCHEMA.has(k)) {
        out[k] = rewriteSchema(v);
      } else if (SUBSCHEMAS.has(k) && Array.isArray(v)) {
        out[k] = v.map(rewriteSchema);
      } else {
        out[k] = v;
      }
    }
    return out;
  };
  const shared = rewriteChildren(root);
  return { ...shared, $defs: defs };
}

let kserve: (((data: unknown) => boolean) & { errors?: ErrorObject[] | null }) | undefined;

/** Errors of an InferenceService against KServe's CRD schema ([] when valid). */
export function inferenceServiceErrors(obj: unknown): string[] {
  if (!kserve) {
    const schema = JSON.parse(gunzipSync(readFileSync(KSERVE_SCHEMA)).toString('utf8')) as Schema;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    kserve = ajv.compile(shareRepeatedSubschemas(strictSchema(schema) as Schema));
  }
  if (kserve(obj)) return [];
  return (kserve.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message ?? ''}${e.keyword === 'additionalProperties' ? `: ${String((e.params as { additionalProperty?: string }).additionalProperty)}` : ''}`,
  );
}
