/**
 * Kubernetes manifests for the image `mlo deploy docker` builds: a Deployment, a
 * Service, a HorizontalPodAutoscaler, a PodDisruptionBudget and a ServiceMonitor for
 * the Prometheus Operator; or (kserve.ts) a KServe InferenceService.
 *
 * The objects are typed against the Kubernetes API types of the `kubernetes-models`
 * package (a type-only, development import: nothing of it ships), so a misspelt field
 * is a compile error; the tests validate the rendered YAML against the schemas too.
 *
 * Pods run as the image's numeric non-root user with a read-only root file system,
 * no privilege escalation and no capabilities; the state directory (the server's
 * only writable path) is an emptyDir. Readiness and liveness are the KServe V2
 * health endpoints; a preStop pause lets endpoints drop the pod before SIGTERM.
 */
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSecurityContext } from 'kubernetes-models/v1/PodSecurityContext';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { MloError } from '../errors.js';
import { IMAGE_PORT, IMAGE_STATE_DIR, IMAGE_UID } from './dockerfile.js';
import { checkPinnedImage } from './image-ref.js';

/** A Kubernetes object as the manifests hold it. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface ServedModelRef {
  name: string;
  version: number;
  ref: string;
  hash: string;
}

export interface K8sOptions {
  /** object names and the app label (default: from the model name) */
  name?: string;
  namespace?: string;
  /** the image built from `mlo deploy docker` (pinned: a tag other than latest, or a digest) */
  image: string;
  model: ServedModelRef;
  /** replicas to start with, and the autoscaler's floor (default 2) */
  replicas?: number;
  /** the autoscaler's ceiling (default 10) */
  maxReplicas?: number;
  /** average CPU use the autoscaler aims for, in percent of the request (default 70) */
  cpuTarget?: number;
  cpuRequest?: string;
  memoryRequest?: string;
  cpuLimit?: string;
  memoryLimit?: string;
  /** the state directory's size cap (default 1Gi): the prediction log and spool live there */
  stateSize?: string;
  /** the bundle's serve.token_env: read from this Secret's `token` key, also for scraping */
  tokenEnv?: string;
}

/** A DNS-1035 label from a model name: `Churn_v2.x` → `churn-v2-x`. */
export function kubeName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name === '' ? 'model' : name;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function checkKubeName(flag: string, name: string): string {
  if (!DNS_LABEL.test(name)) {
    throw new MloError('USAGE', `${flag} "${name}": not a DNS label`, {
      hint: 'lowercase letters, digits and "-", starting with a letter, at most 63 characters',
    });
  }
  return name;
}

export interface Resolved {
  name: string;
  namespace: string | undefined;
  labels: Record<string, string>;
  selector: Record<string, string>;
}

export function resolveNames(o: K8sOptions): Resolved {
  const name = checkKubeName('--name', o.name ?? kubeName(o.model.name));
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'predictor' };
  return {
    name,
    namespace: o.namespace === undefined ? undefined : checkKubeName('--namespace', o.namespace),
    selector,
    labels: {
      ...selector,
      'app.kubernetes.io/managed-by': 'mlo',
      'mlo.io/model': kubeName(o.model.name),
      'mlo.io/version': String(o.model.version),
    },
  };
}

const STATE_VOLUME = 'state';

/** The pod-level security settings every generated pod gets. */
export function podSecurity(): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: IMAGE_UID,
    runAsGroup: IMAGE_UID,
    fsGroup: IMAGE_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function stateVolume(size: string): IVolume {
  return { name: STATE_VOLUME, emptyDir: { sizeLimit: size } };
}

/** The serving container: probes on the V2 health endpoints, locked down, the state volume mounted. */
export function servingContainer(o: K8sOptions, containerName: string): IContainer {
  const env: NonNullable<IContainer['env']> = [{ name: 'MLO_STATE_DIR', value: IMAGE_STATE_DIR }];
  if (o.tokenEnv !== undefined) {
    env.push({
      name: o.tokenEnv,
      valueFrom: { secretKeyRef: { name: `${resolveNames(o).name}-token`, key: 'token' } },
    });
  }
  return {
    name: containerName,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: 'http', containerPort: IMAGE_PORT, protocol: 'TCP' }],
    env,
    readinessProbe: {
      httpGet: { path: '/v2/health/ready', port: IMAGE_PORT },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 2,
    },
    livenessProbe: {
      httpGet: { path: '/v2/health/live', port: IMAGE_PORT },
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    // loading and a test run of the model happen before the port opens
    startupProbe: {
      httpGet: { path: '/v2/health/live', port: IMAGE_PORT },
      periodSeconds: 2,
      failureThreshold: 60,
    },
    resources: {
      requests: { cpu: o.cpuRequest ?? '250m', memory: o.memoryRequest ?? '256Mi' },
      limits: { cpu: o.cpuLimit ?? '1', memory: o.memoryLimit ?? '1Gi' },
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: IMAGE_UID,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [{ name: STATE_VOLUME, mountPath: IMAGE_STATE_DIR }],
  };
}

function meta(r: Resolved, name = r.name): KubeObject['metadata'] {
  return { name, ...(r.namespace ? { namespace: r.namespace } : {}), labels: r.labels };
}

/** Deployment, Service, HorizontalPodAutoscaler, PodDisruptionBudget, ServiceMonitor. */
export function renderK8s(o: K8sOptions): KubeObject[] {
  checkPinnedImage('--image', o.image);
  const r = resolveNames(o);
  const replicas = o.replicas ?? 2;
  const maxReplicas = o.maxReplicas ?? Math.max(10, replicas);
  if (!Number.isInteger(replicas) || replicas < 1) {
    throw new MloError('USAGE', `--replicas must be a positive whole number, got ${replicas}`);
  }
  if (!Number.isInteger(maxReplicas) || maxReplicas < replicas) {
    throw new MloError(
      'USAGE',
      `--max-replicas (${maxReplicas}) is below --replicas (${replicas})`,
    );
  }
  const container = servingContainer(o, 'mlo');
  container.lifecycle = {
    // endpoints stop sending here before SIGTERM starts the graceful stop
    preStop: { exec: { command: ['sleep', '5'] } },
  };
  const deployment: IDeployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      ...meta(r),
      annotations: { 'mlo.io/model-ref': o.model.ref, 'mlo.io/model-sha256': o.model.hash },
    },
    spec: {
      replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: r.selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: r.labels },
        spec: {
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 30,
          securityContext: podSecurity(),
          containers: [container],
          volumes: [stateVolume(o.stateSize ?? '1Gi')],
        },
      },
    },
  };
  const service: IService = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(r),
    spec: {
      type: 'ClusterIP',
      selector: r.selector,
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  const hpa: IHorizontalPodAutoscaler = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(r),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: r.name },
      minReplicas: replicas,
      maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: o.cpuTarget ?? 70 },
          },
        },
      ],
    },
  };
  const pdb: IPodDisruptionBudget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(r),
    spec: {
      // one replica of two (or more) may go for node maintenance, never all of them
      ...(replicas > 1 ? { minAvailable: 1 } : { maxUnavailable: 1 }),
      selector: { matchLabels: r.selector },
    },
  };
  const monitor: IServiceMonitor = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: meta(r),
    spec: {
      selector: { matchLabels: r.selector },
      endpoints: [
        {
          port: 'http',
          path: '/metrics',
          interval: '30s',
          ...(o.tokenEnv !== undefined
            ? {
                authorization: {
                  type: 'Bearer',
                  credentials: { name: `${r.name}-token`, key: 'token' },
                },
              }
            : {}),
        },
      ],
    },
  };
  return [deployment, service, hpa, pdb, monitor] as KubeObject[];
}
