/**
 * The Open Inference Protocol (KServe V2), REST flavour. `POST /v2/models/NAME/infer`
 * takes either
 *
 *     {"inputs": [{"name": "X", "shape": [N, F], "datatype": "FP32", "data": [...]}]}
 *
 * (the model's input tensor, data flat in row-major order or nested), or one tensor
 * per feature, named by feature, of shape [N] or [N, 1]. It answers every tensor
 * output of the model (or those named in "outputs") with name, datatype, shape, data.
 */
import { MloError } from '../../errors.js';
import type { IoInfo, ModelOutputs, RawOutput } from '../../onnx/index.js';
import { invalid, type InputLimits, type Matrix } from '../input.js';
import type { ServedModel } from '../served-model.js';
import { requireObject, type Parsed, type Protocol } from './types.js';

export interface V2Parsed extends Parsed {
  id: string | undefined;
  outputs: string[] | undefined;
}

const DATATYPES: Record<string, 'float' | 'int' | 'bool' | 'bytes'> = {
  BOOL: 'bool',
  UINT8: 'int',
  UINT16: 'int',
  UINT32: 'int',
  UINT64: 'int',
  INT8: 'int',
  INT16: 'int',
  INT32: 'int',
  INT64: 'int',
  FP16: 'float',
  FP32: 'float',
  FP64: 'float',
  BYTES: 'bytes',
};

const V2_OF: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  float16: 'FP16',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
};

/** The protocol's platform name for "an ONNX model run by ONNX Runtime" (its Platforms list). */
const V2_PLATFORM = 'onnx_onnxv1';

export function v2Datatype(elementType: string | null): string {
  return (elementType && V2_OF[elementType]) ?? 'BYTES';
}

interface Tensor {
  name: string;
  shape: number[];
  values: Float64Array;
}

/** A request tensor, checked: known datatype, whole shape, data of that many numbers. */
function readTensor(t: unknown, where: string): Tensor {
  if (typeof t !== 'object' || t === null || Array.isArray(t))
    throw invalid(`${where} must be an object`);
  const { name, shape, datatype, data } = t as Record<string, unknown>;
  if (typeof name !== 'string' || name === '')
    throw invalid(`${where}.name must be a non-empty string`);
  const at = `${where} ("${name}")`;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw invalid(`${at}.shape must be an array of non-negative whole numbers`);
  }
  if (typeof datatype !== 'string' || !(datatype in DATATYPES)) {
    throw invalid(
      `${at}.datatype ${JSON.stringify(datatype)} is not one of ${Object.keys(DATATYPES).join(', ')}`,
    );
  }
  const kind = DATATYPES[datatype];
  if (kind === 'bytes') throw invalid(`${at} is BYTES; this model takes numeric features`);
  if (!Array.isArray(data)) throw invalid(`${at}.data must be an array`);
  const flat = (data as unknown[]).some(Array.isArray)
    ? (data as unknown[]).flat(Infinity)
    : (data as unknown[]);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (flat.length !== size) {
    throw invalid(
      `${at} has ${flat.length} value(s) but shape [${shape.join(', ')}] holds ${size}`,
    );
  }
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const v = flat[i];
    if (kind === 'bool') {
      if (typeof v !== 'boolean') throw invalid(`${at}.data[${i}] must be true or false for BOOL`);
      values[i] = v ? 1 : 0;
    } else {
      if (!Number.isFinite(v)) {
        throw invalid(
          `${at}.data[${i}] must be a finite number, got ${typeof v === 'number' ? v : v === null ? 'null' : typeof v}`,
        );
      }
      if (kind === 'int' && !Number.isInteger(v))
        throw invalid(`${at}.data[${i}] must be a whole number for ${datatype}`);
      values[i] = v as number;
    }
  }
  return { name, shape: shape as number[], values };
}

function matrixInput(served: ServedModel): IoInfo | undefined {
  const inputs = served.model.signature.inputs;
  return inputs.length === 1 ? inputs[0] : undefined;
}

function checkRows(n: number, limits: InputLimits): void {
  if (n === 0) throw invalid('the request has no rows');
  if (n > limits.maxRows) {
    throw new MloError('TOO_LARGE', `the request has ${n} rows; the limit is ${limits.maxRows}`);
  }
}

function fromMatrixTensor(t: Tensor, served: ServedModel, limits: InputLimits): Matrix {
  const f = served.layout.count;
  if (t.shape.length !== 2 || t.shape[1] !== f) {
    throw invalid(
      `input "${t.name}" has shape [${t.shape.join(', ')}]; ${served.label} takes [N, ${f}]`,
    );
  }
  checkRows(t.shape[0], limits);
  return { values: t.values, rows: t.shape[0] };
}

function fromFeatureTensors(tensors: Tensor[], served: ServedModel, limits: InputLimits): Matrix {
  const layout = served.layout;
  const names = layout.names!;
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const missing = names.filter((n) => !byName.has(n));
  if (missing.length > 0 || byName.size !== tensors.length) {
    throw invalid(
      missing.length > 0
        ? `missing input tensor(s) for feature(s) ${missing.map((m) => JSON.stringify(m)).join(', ')}`
        : 'an input tensor is given twice',
      `${served.label} takes one tensor per feature: ${names.join(', ')}`,
    );
  }
  const n = tensors[0].shape[0] ?? 0;
  for (const t of tensors) {
    const ok =
      (t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1)) && t.shape[0] === n;
    if (!ok)
      throw invalid(
        `input "${t.name}" has shape [${t.shape.join(', ')}]; expected [${n}] or [${n}, 1]`,
      );
  }
  checkRows(n, limits);
  const f = layout.count;
  const values = new Float64Array(n * f);
  names.forEach((name, j) => {
    const col = byName.get(name)!.values;
    for (let i = 0; i < n; i++) values[i * f + j] = col[i];
  });
  return { values, rows: n };
}

function outputData(r: RawOutput): unknown[] {
  if (r.type === 'bool') return Array.from(r.data as ArrayLike<number>, (v) => v !== 0);
  return Array.isArray(r.data) ? r.data : Array.from(r.data);
}

export const v2Protocol: Protocol<V2Parsed> = {
  parse(body, served, limits) {
    const obj = requireObject(body, '{"inputs": [{"name", "shape", "datatype", "data"}]}');
    const { inputs, outputs, id } = obj;
    if (!Array.isArray(inputs) || inputs.length === 0)
      throw invalid('"inputs" must be a non-empty array of tensors');
    if (id !== undefined && typeof id !== 'string') throw invalid('"id" must be a string');
    let wanted: string[] | undefined;
    if (outputs !== undefined) {
      if (!Array.isArray(outputs)) throw invalid('"outputs" must be an array of {"name": ...}');
      const usable = served.model.signature.usableOutputs;
      const seen = new Set<string>();
      wanted = outputs.map((o: unknown, i) => {
        const name = (o as { name?: unknown } | null)?.name;
        if (typeof name !== 'string') throw invalid(`outputs[${i}].name must be a string`);
        if (!usable.includes(name)) {
          throw invalid(
            `outputs[${i}]: ${served.label} has no output "${name}"; it has ${usable.join(', ')}`,
          );
        }
        // one tensor per name in the answer: a second request for it has no meaning
        if (seen.has(name)) throw invalid(`outputs[${i}]: "${name}" is requested twice`);
        seen.add(name);
        return name;
      });
    }
    const tensors = inputs.map((t: unknown, i) => readTensor(t, `inputs[${i}]`));
    const names = served.layout.names;
    const single = matrixInput(served);
    const perFeature = names !== null && tensors.every((t) => served.layout.index.has(t.name));
    let matrix: Matrix;
    if (perFeature && !(tensors.length === 1 && single?.name === tensors[0].name)) {
      matrix = fromFeatureTensors(tensors, served, limits);
    } else if (tensors.length === 1 && single && tensors[0].name === single.name) {
      matrix = fromMatrixTensor(tensors[0], served, limits);
    } else {
      const takes = single ? `"${single.name}" [N, ${served.layout.count}]` : 'its inputs';
      throw invalid(
        `unknown input tensor(s) ${tensors
          .filter((t) => !served.layout.index.has(t.name) && t.name !== single?.name)
          .map((t) => JSON.stringify(t.name))
          .join(
            ', ',
          )}; ${served.label} takes ${takes}${names ? ` or one tensor per feature (${names.join(', ')})` : ''}`,
      );
    }
    return { matrix, id, outputs: wanted };
  },

  render(out: ModelOutputs, served, parsed, requestId) {
    const names = parsed.outputs ?? Object.keys(out.raw);
    return {
      model_name: served.model.name,
      model_version: String(served.model.version),
      id: parsed.id ?? requestId,
      outputs: names.map((name) => {
        const r = out.raw[name];
        return { name, datatype: v2Datatype(r.type), shape: r.dims, data: outputData(r) };
      }),
    };
  },

  errorBody(err: MloError) {
    return { error: err.message };
  },
};

interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

function tensorMetadata(io: IoInfo): TensorMetadata {
  return {
    name: io.name,
    datatype: v2Datatype(io.elementType),
    shape: (io.shape ?? [null]).map((d) => (typeof d === 'number' ? d : -1)),
  };
}

/**
 * The inputs a client sends. With feature names: one [-1, 1] tensor per feature, in the
 * feature's own datatype (the model's [N, F] tensor is accepted too, but its columns
 * have no names a client could read). Without: the model's own input tensors.
 */
function inputMetadata(served: ServedModel): TensorMetadata[] {
  const { model, featureTypes } = served;
  const names = served.layout.names;
  if (!names) return model.signature.inputs.map(tensorMetadata);
  const inputs = model.signature.inputs;
  const matrixType = inputs.length === 1 ? inputs[0].elementType : null;
  return names.map((name, j) => ({
    name,
    datatype: v2Datatype(
      featureTypes?.[j] ?? (inputs.length === 1 ? matrixType : (inputs[j]?.elementType ?? null)),
    ),
    shape: [-1, 1],
  }));
}

/**
 * `GET /v2/models/NAME[/versions/V]`. `parameters` holds only strings, numbers and
 * booleans, as the protocol's $parameters allows.
 */
export function v2ModelMetadata(served: ServedModel, versions: number[]): unknown {
  const sig = served.model.signature;
  return {
    name: served.model.name,
    versions: versions.map(String),
    platform: V2_PLATFORM,
    inputs: inputMetadata(served),
    outputs: sig.outputs.filter((o) => o.isTensor).map(tensorMetadata),
    parameters: { version: served.model.version },
  };
}
