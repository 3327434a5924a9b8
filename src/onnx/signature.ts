/**
 * What a model takes and gives: input/output names, element types and shapes, which
 * outputs onnxruntime-node can actually return, and the class labels of a classifier.
 *
 * onnxruntime-node 1.30 exposes `inputMetadata`/`outputMetadata` (type and shape per
 * tensor, `isTensor: false` otherwise), but says nothing about what a non-tensor is,
 * reports shapes after its own inference, and needs a full session. So the signature
 * is decoded from the ModelProto (the declared graph), and onnxruntime is used only
 * to prove the model loads.
 */
import { readFile } from 'node:fs/promises';
import type { onnx } from 'onnx-proto';
import { MloError, errnoCode } from '../errors.js';
import { CLASS_LABELS_KEY } from './common.js';
import { loadOnnxProto, toNumber } from './proto.js';
import {
  elementTypeOf,
  formatValueType,
  type Dim,
  type ElementType,
  type ValueType,
} from './types.js';

export interface IoInfo {
  name: string;
  /** ONNX notation: `tensor(float)`, `seq(map(int64,tensor(float)))` */
  type: string;
  isTensor: boolean;
  /** tensors only */
  elementType: ElementType | null;
  /** tensors only; null when the model declares no shape. Dims: size, symbolic name, or null. */
  shape: Dim[] | null;
}

export interface SignatureWarning {
  code: 'UNUSABLE_OUTPUTS';
  message: string;
  hint: string;
}

export interface ModelSignature {
  inputs: IoInfo[];
  outputs: IoInfo[];
  /** outputs onnxruntime-node can return (tensors) */
  usableOutputs: string[];
  /** outputs it cannot (sequences, maps: e.g. skl2onnx's ZipMap) */
  unusableOutputs: string[];
  /** classifier labels in probability-column order, when the model says */
  classLabels: (number | string)[] | null;
  irVersion: number;
  opsets: Record<string, number>;
  /** "skl2onnx 1.16.0", or null */
  producer: string | null;
  metadata: Record<string, string>;
  warnings: SignatureWarning[];
}

export interface ReadSignatureOptions {
  /** load the model in onnxruntime-node to prove it runs there (default true) */
  verify?: boolean;
}

/** Read a model's signature from its bytes or a file path. Invalid models → MloError INVALID. */
export async function readSignature(
  source: Uint8Array | string,
  options: ReadSignatureOptions = {},
): Promise<ModelSignature> {
  const { bytes, label } = await loadModelBytes(source);
  const signature = await decodeSignature(bytes, label);
  if (options.verify !== false) await verifyLoads(bytes, label);
  return signature;
}

export async function loadModelBytes(
  source: Uint8Array | string,
): Promise<{ bytes: Uint8Array; label: string }> {
  if (typeof source !== 'string') return { bytes: source, label: 'model' };
  try {
    return { bytes: await readFile(source), label: source };
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT') throw new MloError('NOT_FOUND', `${source}: no such file`);
    if (code === 'EISDIR')
      throw new MloError('INVALID', `${source}: is a directory, not an ONNX file`);
    throw err;
  }
}

/** Decode the signature from ModelProto bytes without onnxruntime. */
export async function decodeSignature(bytes: Uint8Array, label = 'model'): Promise<ModelSignature> {
  const onnxNs = await loadOnnxProto();
  let model: onnx.ModelProto;
  try {
    model = onnxNs.ModelProto.decode(bytes);
  } catch (err) {
    throw invalid(label, `not an ONNX model (protobuf: ${firstLine(err)})`, err);
  }
  const graph = model.graph;
  if (!graph) throw invalid(label, 'not an ONNX model (no graph)');
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  // Before IR 4, initializers were also listed as graph inputs; they are not features.
  const inputs = (graph.input ?? []).filter((v) => !initializerNames.has(v.name ?? ''));
  const outputs = graph.output ?? [];
  if (inputs.length === 0) throw invalid(label, 'the graph has no inputs');
  if (outputs.length === 0) throw invalid(label, 'the graph has no outputs');

  const inputInfos = inputs.map((v) => ioInfo(v, label));
  const outputInfos = outputs.map((v) => ioInfo(v, label));
  const usable = outputInfos.filter((o) => o.isTensor).map((o) => o.name);
  const unusable = outputInfos.filter((o) => !o.isTensor).map((o) => o.name);
  const metadata = Object.fromEntries(
    (model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']),
  );
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[o.domain ?? ''] = toNumber(o.version);
  const producer = [model.producerName, model.producerVersion].filter(Boolean).join(' ');

  return {
    inputs: inputInfos,
    outputs: outputInfos,
    usableOutputs: usable,
    unusableOutputs: unusable,
    classLabels: findClassLabels(graph.node ?? [], metadata),
    irVersion: toNumber(model.irVersion),
    opsets,
    producer: producer || null,
    metadata,
    warnings: unusable.length > 0 ? [unusableWarning(outputInfos, graph.node ?? [])] : [],
  };
}

async function verifyLoads(bytes: Uint8Array, label: string): Promise<void> {
  const ort = await import('onnxruntime-node');
  let session;
  try {
    session = await ort.InferenceSession.create(bytes, {
      logSeverityLevel: 4,
      intraOpNumThreads: 1,
    });
  } catch (err) {
    throw invalid(label, `onnxruntime cannot load it: ${firstLine(err)}`, err);
  }
  await session.release();
}

function ioInfo(v: onnx.IValueInfoProto, label: string): IoInfo {
  const name = v.name ?? '';
  const vt = v.type ? valueType(v.type) : null;
  if (!vt) throw invalid(label, `"${name}" has no type (or one this reader does not know)`);
  if (vt.kind !== 'tensor') {
    return { name, type: formatValueType(vt), isTensor: false, elementType: null, shape: null };
  }
  return {
    name,
    type: formatValueType(vt),
    isTensor: true,
    elementType: vt.elementType,
    shape: vt.shape ? [...vt.shape] : null,
  };
}

function valueType(t: onnx.ITypeProto): ValueType | null {
  if (t.tensorType) {
    const el = elementTypeOf(t.tensorType.elemType ?? 0);
    if (!el) return null;
    const dims = t.tensorType.shape?.dim;
    return { kind: 'tensor', elementType: el, shape: dims ? dims.map(dimOf) : null };
  }
  if (t.sequenceType?.elemType) {
    const element = valueType(t.sequenceType.elemType);
    return element && { kind: 'sequence', element };
  }
  if (t.mapType?.valueType) {
    const key = elementTypeOf(t.mapType.keyType ?? 0);
    const value = valueType(t.mapType.valueType);
    return key && value && { kind: 'map', key, value };
  }
  if (t.optionalType?.elemType) {
    const element = valueType(t.optionalType.elemType);
    return element && { kind: 'optional', element };
  }
  return null;
}

function dimOf(d: onnx.TensorShapeProto.IDimension): Dim {
  if (d.dimParam) return d.dimParam;
  // protobufjs leaves an unset oneof member null/undefined, a set one a number or Long.
  if (d.dimValue !== null && d.dimValue !== undefined) return toNumber(d.dimValue);
  return null;
}

const CLASSIFIER_OPS = new Set([
  'LinearClassifier',
  'TreeEnsembleClassifier',
  'SVMClassifier',
  'ZipMap',
]);

function findClassLabels(
  nodes: onnx.INodeProto[],
  metadata: Record<string, string>,
): (number | string)[] | null {
  for (const node of nodes) {
    if (node.domain !== 'ai.onnx.ml' || !CLASSIFIER_OPS.has(node.opType ?? '')) continue;
    for (const a of node.attribute ?? []) {
      if (a.name === 'classlabels_strings' && a.strings?.length) {
        return a.strings.map((s) => new TextDecoder().decode(s));
      }
      if ((a.name === 'classlabels_ints' || a.name === 'classlabels_int64s') && a.ints?.length) {
        return a.ints.map((i) => toNumber(i));
      }
    }
  }
  const recorded = metadata[CLASS_LABELS_KEY];
  if (recorded) {
    try {
      const parsed: unknown = JSON.parse(recorded);
      if (
        Array.isArray(parsed) &&
        parsed.every((l) => typeof l === 'number' || typeof l === 'string')
      ) {
        return parsed;
      }
    } catch {
      // A malformed hint is not worth refusing the model over.
    }
  }
  return null;
}

function unusableWarning(outputs: IoInfo[], nodes: onnx.INodeProto[]): SignatureWarning {
  const bad = outputs.filter((o) => !o.isTensor);
  const good = outputs.filter((o) => o.isTensor).map((o) => o.name);
  const zipmapOutputs = new Set(
    nodes.filter((n) => n.opType === 'ZipMap').flatMap((n) => n.output ?? []),
  );
  const list = bad.map((o) => `"${o.name}" (${o.type})`).join(', ');
  const usable = good.length > 0 ? `usable: ${good.join(', ')}` : 'no output is usable';
  const zipmap = bad.some((o) => zipmapOutputs.has(o.name));
  return {
    code: 'UNUSABLE_OUTPUTS',
    message: `output${bad.length > 1 ? 's' : ''} ${list} cannot be returned by onnxruntime-node (${usable})`,
    hint: zipmap
      ? "the classifier was converted with ZipMap; re-export it with skl2onnx options={id(model): {'zipmap': False}} so probabilities come as a [N, C] float tensor"
      : 'export the model so that every output is a tensor',
  };
}

function invalid(label: string, reason: string, cause?: unknown): MloError {
  return new MloError('INVALID', `${label}: ${reason}`, {
    hint: 'expected an ONNX model file (ModelProto), e.g. from skl2onnx or torch.onnx.export',
    cause,
  });
}

export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim();
}
