/**
 * What a request for features needs: `SERVICE`, or `view:feature,view,...` resolved
 * against the applied definitions into the stored views to read (with the features
 * needed from each, on-demand inputs included), the on-demand features to compute,
 * the request fields they read, and the output columns in the order asked for.
 */
import { MloError } from '../errors.js';
import {
  expandRef,
  type FeatureDefinitions,
  type FeatureDef,
  type OnDemandDef,
  type OnDemandFeatureDef,
  type ViewDef,
} from './definitions.js';
import { compileExpr, type CompiledExpr } from './expr.js';
import type { FeatureType } from './schema.js';

export interface OutputColumn {
  /** view:feature */
  ref: string;
  /** the column name: the feature's name, or view__feature with full names */
  name: string;
  type: FeatureType;
  view: string;
  feature: string;
  onDemand: boolean;
}

export interface ViewNeed {
  view: ViewDef;
  /** features read from this view, in the view's order */
  features: FeatureDef[];
}

export interface OnDemandNeed {
  def: OnDemandDef;
  features: { def: OnDemandFeatureDef; expr: CompiledExpr }[];
}

export interface FeaturePlan {
  /** the service, when one was asked for */
  service?: string;
  refs: string[];
  views: ViewNeed[];
  onDemand: OnDemandNeed[];
  requestFields: FeatureDef[];
  outputs: OutputColumn[];
}

export interface ResolveOptions {
  /** name columns view__feature (Feast's full_feature_names) */
  fullNames?: boolean;
}

/** Split a --features argument: one service name, or a comma-separated list of refs. */
export function parseFeatureSpec(spec: string | readonly string[]): string[] {
  const parts = (typeof spec === 'string' ? [spec] : spec)
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new MloError('USAGE', '--features: name a service or view:feature');
  return parts;
}

export function resolveFeatures(
  defs: FeatureDefinitions,
  spec: string | readonly string[],
  options: ResolveOptions = {},
): FeaturePlan {
  const parts = parseFeatureSpec(spec);
  let service: string | undefined;
  let refs: string[] = [];
  if (parts.length === 1 && !parts[0].includes(':') && defs.services[parts[0]]) {
    service = parts[0];
    refs = [...defs.services[parts[0]].features];
  } else {
    for (const p of parts) {
      let expanded: string[];
      try {
        expanded = expandRef(p, defs.views, defs.onDemand);
      } catch (err) {
        const known = [
          ...Object.keys(defs.services),
          ...Object.keys(defs.views),
          ...Object.keys(defs.onDemand),
        ];
        throw new MloError('NOT_FOUND', `--features: ${(err as Error).message}`, {
          hint: known.length
            ? `defined: ${known.sort().join(', ')}`
            : 'mlo features list shows what is defined',
        });
      }
      for (const r of expanded) if (!refs.includes(r)) refs.push(r);
    }
  }

  const viewFeatures = new Map<string, Set<string>>();
  const need = (view: string, feature: string): void => {
    let set = viewFeatures.get(view);
    if (!set) viewFeatures.set(view, (set = new Set()));
    set.add(feature);
  };
  const onDemand = new Map<string, OnDemandNeed>();
  const requestFields = new Map<string, FeatureDef>();
  const outputs: OutputColumn[] = [];
  for (const ref of refs) {
    const [view, feature] = ref.split(':') as [string, string];
    const od = defs.onDemand[view];
    if (od) {
      const fdef = od.features.find((f) => f.name === feature) as OnDemandFeatureDef;
      let n = onDemand.get(view);
      if (!n) onDemand.set(view, (n = { def: od, features: [] }));
      n.features.push({ def: fdef, expr: compileExpr(fdef.expr) });
      for (const id of n.features[n.features.length - 1].expr.names) {
        const dot = id.indexOf('.');
        if (dot >= 0) need(id.slice(0, dot), id.slice(dot + 1));
        else {
          const r = od.request.find((x) => x.name === id);
          if (r) requestFields.set(r.name, r);
        }
      }
      outputs.push({
        ref,
        name: options.fullNames ? `${view}__${feature}` : feature,
        type: fdef.type,
        view,
        feature,
        onDemand: true,
      });
    } else {
      const v = defs.views[view];
      need(view, feature);
      const type = (v.features.find((f) => f.name === feature) as FeatureDef).type;
      outputs.push({
        ref,
        name: options.fullNames ? `${view}__${feature}` : feature,
        type,
        view,
        feature,
        onDemand: false,
      });
    }
  }
  const names = new Map<string, string>();
  for (const o of outputs) {
    const prior = names.get(o.name);
    if (prior) {
      throw new MloError('USAGE', `features ${prior} and ${o.ref} would both be named ${o.name}`, {
        hint: 'add --full-names to name columns view__feature',
      });
    }
    names.set(o.name, o.ref);
  }
  const views: ViewNeed[] = [...viewFeatures].map(([name, set]) => {
    const view = defs.views[name];
    return { view, features: view.features.filter((f) => set.has(f.name)) };
  });
  return {
    ...(service !== undefined && { service }),
    refs,
    views,
    onDemand: [...onDemand.values()],
    requestFields: [...requestFields.values()],
    outputs,
  };
}
