/**
 * The Kubernetes and KServe manifests against their schemas (kubernetes-models for
 * the core, autoscaling, policy and Prometheus Operator kinds; KServe's vendored CRD
 * schema with ajv, strictly), and against what the issue asks of them.
 */
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- manifests are read back as plain JSON and probed field by field */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { kubeName, renderK8s, type KubeObject } from '../../../src/deploy/k8s.js';
import { renderInferenceService } from '../../../src/deploy/kserve.js';
import { checkPinnedImage } from '../../../src/deploy/image-ref.js';
import { MloError } from '../../../src/errors.js';
import { inferenceServiceErrors, kubeModelErrors } from '../../helpers/kube-schemas.js';

const model = { name: 'churn', version: 3, ref: 'churn@champion', hash: 'cd'.repeat(32) };
const image = 'registry.example.com:5000/ml/churn:3';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests are read back as plain JSON

const byKind = (objects: KubeObject[]): Record<string, Obj> =>
  Object.fromEntries(objects.map((o) => [o.kind, o as Obj]));

describe('mlo deploy k8s manifests', () => {
  it('every object is valid against its Kubernetes schema', () => {
    const objects = renderK8s({ image, model, namespace: 'ml', tokenEnv: 'MLO_TOKEN' });
    expect(objects.map((o) => o.kind)).toEqual([
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'ServiceMonitor',
    ]);
    for (const o of objects) expect(kubeModelErrors(o), o.kind).toEqual([]);
  });

  it('the schemas catch a broken object (the validation can fail)', () => {
    const d = byKind(renderK8s({ image, model })).Deployment;
    d.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    d.spec.replicas = -1.5;
    const errors = kubeModelErrors(d as KubeObject);
    expect(errors.join('\n')).toMatch(/containerPort must be integer/);
    expect(errors.join('\n')).toMatch(/replicas must be integer/);
    const hpa = byKind(renderK8s({ image, model })).HorizontalPodAutoscaler;
    delete hpa.spec.maxReplicas;
    expect(kubeModelErrors(hpa as KubeObject).join('\n')).toMatch(/maxReplicas/);
  });

  it('locks the pod down and probes the V2 health endpoints', () => {
    const {
      Deployment: d,
      Service: svc,
      ServiceMonitor: sm,
      PodDisruptionBudget: pdb,
    } = byKind(renderK8s({ image, model, tokenEnv: 'MLO_TOKEN', replicas: 3 }));
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 8080 });
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits).toBeDefined();
    // the one writable path is an emptyDir at the image's state directory
    expect(c.volumeMounts).toEqual([{ name: 'state', mountPath: '/var/lib/mlo' }]);
    expect(pod.volumes).toEqual([{ name: 'state', emptyDir: { sizeLimit: '1Gi' } }]);
    expect(c.env).toContainEqual({ name: 'MLO_STATE_DIR', value: '/var/lib/mlo' });
    expect(c.env).toContainEqual({
      name: 'MLO_TOKEN',
      valueFrom: { secretKeyRef: { name: 'churn-token', key: 'token' } },
    });
    expect(d.spec.replicas).toBe(3);
    expect(svc.spec.ports[0]).toMatchObject({ name: 'http', targetPort: 'http' });
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
    expect(sm.spec.endpoints[0].authorization.credentials).toEqual({
      name: 'churn-token',
      key: 'token',
    });
    expect(pdb.spec).toMatchObject({ minAvailable: 1 });
    // the Service, the PDB and the ServiceMonitor select the Deployment's pods
    for (const sel of [
      svc.spec.selector,
      pdb.spec.selector.matchLabels,
      sm.spec.selector.matchLabels,
    ]) {
      expect(d.spec.template.metadata.labels).toMatchObject(sel);
    }
  });

  it('refuses unpinned images and names that are not DNS labels', () => {
    for (const bad of ['churn', 'churn:latest', 'reg/churn', 'churn:1 ; rm', 'a"b:1']) {
      expect(() => checkPinnedImage('--image', bad), bad).toThrow(MloError);
    }
    for (const good of ['churn:1', 'reg.io:5000/a/b:1.2.3', `churn@sha256:${'a'.repeat(64)}`]) {
      expect(checkPinnedImage('--image', good)).toBe(good);
    }
    expect(kubeName('Churn_Model.v2')).toBe('churn-model-v2');
    expect(kubeName('3d-model')).toBe('d-model');
    expect(() => renderK8s({ image, model, name: 'Bad_Name' })).toThrow(/not a DNS label/);
  });
});

describe('mlo deploy k8s --kserve', () => {
  it("is valid against KServe's InferenceService schema, with and without a canary", () => {
    const plain = renderInferenceService({ image, model }) as Obj;
    expect(inferenceServiceErrors(plain)).toEqual([]);
    expect(plain.spec.predictor.canaryTrafficPercent).toBeUndefined();
    const canary = renderInferenceService({ image, model, canaryPercent: 10 }) as Obj;
    expect(inferenceServiceErrors(canary)).toEqual([]);
    expect(canary.spec.predictor.canaryTrafficPercent).toBe(10);
    const c = canary.spec.predictor.containers[0];
    expect(c.name).toBe('kserve-container');
    expect(c.image).toBe(image);
    expect(c.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
    });
    expect(() => renderInferenceService({ image, model, canaryPercent: 100 })).toThrow(/1 to 99/);
  });

  it('the strict schema catches a misspelt field and a wrong type', () => {
    const isvc = renderInferenceService({ image, model, canaryPercent: 10 }) as Obj;
    isvc.spec.predictor.canaryTraficPercent = 10;
    isvc.spec.predictor.minReplicas = 'one';
    const errors = inferenceServiceErrors(isvc).join('\n');
    expect(errors).toMatch(/must NOT have additional properties: canaryTraficPercent/);
    expect(errors).toMatch(/minReplicas must be integer/);
  });

  it('round-trips through YAML unchanged', async () => {
    const { stringify } = await import('yaml');
    const objects = [...renderK8s({ image, model }), renderInferenceService({ image, model })];
    const text = objects.map((o) => stringify(o)).join('---\n');
    const back = parseAllDocuments(text).map((d) => d.toJS() as unknown);
    expect(back).toEqual(JSON.parse(JSON.stringify(objects)));
  });
});
