/**
 * `mlo dag --export argo`: the pipeline as an Argo Workflows Workflow. One template
 * per stage runs `mlo repro STAGE --single` in the project's image; the DAG's edges
 * become task dependencies, so Argo runs independent stages at once and each stage
 * after the stages it needs.
 *
 * Pods share nothing but the remote. With a remote, each step pulls first, runs its
 * stage with `--single` (upstream stages only skipped or restored, never rerun), then
 * pushes what its stage produced. Without one every step starts from the image alone.
 * docs/deploy.md says what travels between steps today and what does not yet.
 *
 * Stage names come from mlo.yaml (untrusted): they reach the shell only as "$1" and
 * never as text of the script, and names holding Argo's `{{` template syntax are
 * refused rather than left for Argo to expand.
 */
import type { IWorkflow } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Workflow';
import type { ITemplate } from '@kubernetes-models/argo-workflows/argoproj.io/v1alpha1/Template';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { basename } from 'node:path';
import { stringify } from 'yaml';
import { listRemotes } from '../data/index.js';
import { MloError } from '../errors.js';
import { loadDag, selectStages, summarizeDag, type DagSummary } from '../pipeline/index.js';
import type { Repo } from '../repo/index.js';
import { checkKubeName, kubeName, podSecurity } from './k8s.js';
import { checkPinnedImage } from './image-ref.js';

export interface ArgoOptions {
  /** the project's image: its working directory is the repository, with mlo on PATH */
  image: string;
  /** the Workflow's generateName prefix (default: from the repository's directory) */
  name: string;
  namespace?: string;
  /** the mlo remote the steps exchange outputs through */
  remote?: string;
  /** a Secret whose keys become every step's environment (remote credentials) */
  envSecret?: string;
  serviceAccount?: string;
}

const ENTRYPOINT = 'pipeline';

// "$1" is the stage name, "$MLO_REMOTE" the remote's name: both data, never script text
const EXCHANGE_SCRIPT = [
  'set -eu',
  'mlo pull --remote "$MLO_REMOTE"',
  'mlo repro --single "$1"',
  'mlo push --remote "$MLO_REMOTE"',
].join('\n');

export function renderArgoWorkflow(dag: DagSummary, o: ArgoOptions): IWorkflow {
  checkPinnedImage('--image', o.image);
  const name = checkKubeName('--name', o.name);
  const namespace =
    o.namespace === undefined ? undefined : checkKubeName('--namespace', o.namespace);
  if (o.envSecret !== undefined) checkKubeName('--env-secret', o.envSecret);
  if (o.serviceAccount !== undefined) checkKubeName('--service-account', o.serviceAccount);
  if (dag.stages.length === 0) {
    throw new MloError('INVALID', 'mlo.yaml has no stages to export', {
      hint: 'add stages to mlo.yaml first',
    });
  }
  const templateOf = templateNames(dag.stages.map((s) => s.name));
  const needs = new Map<string, string[]>();
  for (const e of dag.edges) needs.set(e.to, [...(needs.get(e.to) ?? []), e.from]);
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/managed-by': 'mlo' };

  const stageTemplates: ITemplate[] = dag.stages.map((s) => ({
    name: templateOf.get(s.name)!,
    metadata: { labels, annotations: { 'mlo.io/stage': s.name } },
    container: stepContainer(s.name, o),
  }));
  const tasks = dag.stages.map((s) => {
    const deps = (needs.get(s.name) ?? []).map((d) => templateOf.get(d)!);
    return {
      name: templateOf.get(s.name)!,
      template: templateOf.get(s.name)!,
      ...(deps.length > 0 && { dependencies: deps }),
    };
  });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      generateName: `${name}-`,
      ...(namespace !== undefined && { namespace }),
      labels,
    },
    spec: {
      entrypoint: ENTRYPOINT,
      ...(o.serviceAccount !== undefined && { serviceAccountName: o.serviceAccount }),
      securityContext: podSecurity(),
      templates: [{ name: ENTRYPOINT, dag: { tasks } }, ...stageTemplates],
    },
  };
}

function stepContainer(stage: string, o: ArgoOptions): IContainer {
  if (stage.includes('{{')) {
    throw new MloError('INVALID', `stage name ${stage} holds "{{", which Argo would expand`, {
      hint: 'rename the stage (or the foreach/matrix value it is generated from)',
    });
  }
  const exchange = o.remote !== undefined;
  return {
    name: 'main',
    image: o.image,
    ...(exchange
      ? { command: ['sh', '-c', EXCHANGE_SCRIPT, 'mlo-stage', stage] }
      : { command: ['mlo'], args: ['repro', '--single', stage] }),
    env: [
      ...(exchange ? [{ name: 'MLO_REMOTE', value: o.remote }] : []),
      // no colour codes in the step's log
      { name: 'NO_COLOR', value: '1' },
    ],
    ...(o.envSecret !== undefined && { envFrom: [{ secretRef: { name: o.envSecret } }] }),
    // a stage writes its outputs into the checkout, so the root file system stays writable
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/** A template (and task) name per stage: a DNS label, unique, never the entrypoint's. */
function templateNames(stages: string[]): Map<string, string> {
  const used = new Set([ENTRYPOINT]);
  const out = new Map<string, string>();
  for (const s of stages) {
    const base = kubeName(s).slice(0, 56).replace(/-+$/, '');
    let n = base;
    for (let i = 2; used.has(n); i++) n = `${base}-${i}`;
    used.add(n);
    out.set(s, n);
  }
  return out;
}

export interface ArgoExportOptions extends Omit<ArgoOptions, 'name'> {
  /** only these stages and what they need (default: all) */
  targets?: string[];
  name?: string;
}

export interface ArgoExport {
  workflow: IWorkflow;
  yaml: string;
}

/** The repository's pipeline (or the part `targets` needs) as an Argo Workflow. */
export function exportArgoWorkflow(repo: Repo, o: ArgoExportOptions): ArgoExport {
  if (o.remote !== undefined && !listRemotes(repo).some((r) => r.name === o.remote)) {
    throw new MloError('NOT_FOUND', `--remote ${o.remote}: no such remote`, {
      hint: 'list them with `mlo remote list`',
    });
  }
  const dag = loadDag(repo);
  const summary = summarizeDag(dag, selectStages(dag, o.targets));
  const workflow = renderArgoWorkflow(summary, {
    ...o,
    name: o.name ?? kubeName(basename(repo.root)),
  });
  const header = `# Generated by \`mlo dag --export argo\`: submit with \`argo submit\` or \`kubectl create -f\`.\n`;
  return {
    workflow,
    yaml: header + stringify(workflow, { lineWidth: 0, aliasDuplicateObjects: false }),
  };
}
