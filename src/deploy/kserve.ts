/**
 * A KServe InferenceService (serving.kserve.io/v1beta1) with a custom predictor: the
 * mlo image as `kserve-container`, which speaks the Open Inference Protocol (V2) KServe
 * routes to. With a canary percentage, applying it over the running service makes
 * KServe send that share of traffic to the new revision (this image) and the rest to
 * the last ready one; `mlo deploy k8s REF --kserve` without it promotes to 100%.
 *
 * KServe's CRD is the schema (vendored under test/fixtures/schemas/kserve); the shape
 * written here is the subset of it mlo uses.
 */
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import { MloError } from '../errors.js';
import {
  podSecurity,
  resolveNames,
  servingContainer,
  stateVolume,
  type K8sOptions,
  type KubeObject,
} from './k8s.js';
import { checkPinnedImage } from './image-ref.js';

interface InferenceService {
  apiVersion: 'serving.kserve.io/v1beta1';
  kind: 'InferenceService';
  metadata: KubeObject['metadata'] & { annotations?: Record<string, string> };
  spec: {
    predictor: {
      minReplicas?: number;
      maxReplicas?: number;
      canaryTrafficPercent?: number;
      automountServiceAccountToken?: boolean;
      securityContext?: IPodSecurityContext;
      containers: IContainer[];
      volumes?: IVolume[];
    };
  };
}

export interface KServeOptions extends K8sOptions {
  /** share of traffic (0 < PCT < 100) for this revision while the previous one keeps the rest */
  canaryPercent?: number;
}

export function renderInferenceService(o: KServeOptions): KubeObject {
  checkPinnedImage('--image', o.image);
  const r = resolveNames(o);
  const pct = o.canaryPercent;
  if (pct !== undefined && !(Number.isInteger(pct) && pct > 0 && pct < 100)) {
    throw new MloError('USAGE', `--canary must be a whole percentage from 1 to 99, got ${pct}`, {
      hint: 'KServe splits traffic in whole percent',
    });
  }
  const replicas = o.replicas ?? 1;
  const container = servingContainer(o, 'kserve-container');
  // Knative routes by port: the one container port, unnamed but for the HTTP/1 protocol
  container.ports = [
    { name: 'http1', containerPort: container.ports![0].containerPort, protocol: 'TCP' },
  ];
  // Knative checks readiness through its queue proxy; it refuses a startup probe
  delete container.startupProbe;
  const isvc: InferenceService = {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: r.name,
      ...(r.namespace ? { namespace: r.namespace } : {}),
      labels: r.labels,
      annotations: {
        'mlo.io/model-ref': o.model.ref,
        'mlo.io/model-sha256': o.model.hash,
        // the predictor exposes Prometheus metrics on its own port
        'serving.kserve.io/enable-prometheus-scraping': 'true',
        'prometheus.kserve.io/port': String(container.ports[0].containerPort),
        'prometheus.kserve.io/path': '/metrics',
      },
    },
    spec: {
      predictor: {
        minReplicas: replicas,
        maxReplicas: o.maxReplicas ?? Math.max(10, replicas),
        ...(pct !== undefined ? { canaryTrafficPercent: pct } : {}),
        automountServiceAccountToken: false,
        securityContext: podSecurity(),
        containers: [container],
        volumes: [stateVolume(o.stateSize ?? '1Gi')],
      },
    },
  };
  return isvc as unknown as KubeObject;
}
