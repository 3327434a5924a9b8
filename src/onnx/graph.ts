/**
 * A small ONNX graph builder: declare inputs, initializers, nodes and outputs, get
 * ModelProto bytes. Every model mlo generates (builders, trainers' exports, test
 * fixtures) goes through here, so the defaults below (IR version, opsets) live in one
 * place.
 */
import type { onnx } from 'onnx-proto';
import { MloError } from '../errors.js';
import { loadOnnxProto } from './proto.js';
import {
  elementTypeCode,
  tensorType,
  type Dim,
  type ElementType,
  type ValueType,
} from './types.js';

/**
 * IR 8 with opset 17 and ai.onnx.ml 3: what onnx-proto (ONNX 1.10 schema) can express,
 * what current converters still emit, and what onnxruntime 1.x loads.
 */
export const IR_VERSION = 8;
export const DEFAULT_OPSETS: Readonly<Record<string, number>> = { '': 17, 'ai.onnx.ml': 3 };
export const ML_DOMAIN = 'ai.onnx.ml';

// AttributeProto.AttributeType numbers.
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export type TensorValues = ArrayLike<number> | readonly string[] | readonly bigint[];

export interface TensorData {
  type: ElementType;
  dims: readonly number[];
  values: TensorValues;
}

export type Attr =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: TensorData };

/** Attribute constructors: ONNX attributes are typed, and a JS number cannot say int or float. */
export const attr = {
  float: (value: number): Attr => ({ type: 'float', value }),
  int: (value: number): Attr => ({ type: 'int', value }),
  string: (value: string): Attr => ({ type: 'string', value }),
  floats: (value: ArrayLike<number>): Attr => ({ type: 'floats', value: Array.from(value) }),
  ints: (value: ArrayLike<number>): Attr => ({ type: 'ints', value: Array.from(value) }),
  strings: (value: readonly string[]): Attr => ({ type: 'strings', value }),
  tensor: (value: TensorData): Attr => ({ type: 'tensor', value }),
};

/** A plain string is taken as a STRING attribute, a string array as STRINGS. */
export type AttrInput = Attr | string | readonly string[];

export interface NodeOptions {
  domain?: string;
  name?: string;
}

export interface GraphBuilderOptions {
  name?: string;
  /** opset per domain ('' is the default ONNX domain); defaults to DEFAULT_OPSETS as used */
  opsets?: Record<string, number>;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
  /** model-level metadata_props */
  metadata?: Record<string, string>;
}

const utf8 = new TextEncoder();

export class GraphBuilder {
  private readonly graphName: string;
  private readonly opsets: Map<string, number>;
  private readonly options: GraphBuilderOptions;
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly names = new Set<string>();
  private readonly metadata: Map<string, string>;
  private counter = 0;

  constructor(options: GraphBuilderOptions = {}) {
    this.options = options;
    this.graphName = options.name ?? 'mlo_graph';
    this.opsets = new Map([['', DEFAULT_OPSETS['']]]);
    for (const [domain, version] of Object.entries(options.opsets ?? {})) {
      this.opsets.set(domain, version);
    }
    this.metadata = new Map(Object.entries(options.metadata ?? {}));
  }

  /** A name not used yet in this graph, derived from `prefix`. */
  unique(prefix: string): string {
    let name = prefix;
    while (this.names.has(name)) name = `${prefix}_${++this.counter}`;
    return name;
  }

  input(name: string, type: ElementType, shape: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, tensorType(type, shape)));
    return name;
  }

  /** Declare a graph output; `name` must be produced by a node (or be an input). */
  output(name: string, type: ElementType | ValueType, shape?: readonly Dim[]): string {
    const vt = typeof type === 'string' ? tensorType(type, shape) : type;
    this.outputs.push(valueInfo(name, vt));
    return name;
  }

  initializer(name: string, data: TensorData): string {
    const unique = this.unique(name);
    this.claim(unique);
    this.initializers.push({ ...tensorProto(data), name: unique });
    return unique;
  }

  /**
   * Add a node. `outputs` are names or prefixes; each is made unique, and the actual
   * names are returned in order so callers can chain nodes without naming clashes.
   */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttrInput> = {},
    options: NodeOptions = {},
  ): string[] {
    const domain = options.domain ?? '';
    if (!this.opsets.has(domain)) {
      const version = DEFAULT_OPSETS[domain];
      if (version === undefined) {
        throw new MloError('USAGE', `no opset version known for domain "${domain}"`, {
          hint: 'pass it in GraphBuilder options: { opsets: { "<domain>": <version> } }',
        });
      }
      this.opsets.set(domain, version);
    }
    const outNames = outputs.map((o) => {
      const n = this.unique(o);
      this.claim(n);
      return n;
    });
    this.nodes.push({
      opType,
      domain,
      name: this.unique(options.name ?? `${opType}_${this.nodes.length}`),
      input: [...inputs],
      output: outNames,
      attribute: Object.entries(attrs).map(([key, value]) => attributeProto(key, value)),
    });
    return outNames;
  }

  setMetadata(key: string, value: string): void {
    this.metadata.set(key, value);
  }

  /** The ModelProto as a plain object (what `encode` takes). */
  build(): onnx.IModelProto {
    if (this.outputs.length === 0) throw new MloError('USAGE', 'graph has no outputs');
    return {
      irVersion: IR_VERSION,
      producerName: this.options.producerName ?? 'mlo',
      producerVersion: this.options.producerVersion ?? '',
      docString: this.options.docString ?? '',
      opsetImport: [...this.opsets].map(([domain, version]) => ({ domain, version })),
      metadataProps: [...this.metadata].map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      },
    };
  }

  async toBytes(): Promise<Uint8Array> {
    return encodeModel(this.build());
  }

  private claim(name: string): void {
    if (this.names.has(name)) {
      throw new MloError('USAGE', `name "${name}" is already used in graph ${this.graphName}`);
    }
    this.names.add(name);
  }
}

export async function encodeModel(model: onnx.IModelProto): Promise<Uint8Array> {
  const onnxNs = await loadOnnxProto();
  return onnxNs.ModelProto.encode(model).finish();
}

function dimProto(d: Dim): onnx.TensorShapeProto.IDimension {
  if (d === null) return {};
  return typeof d === 'string' ? { dimParam: d } : { dimValue: d };
}

function typeProto(type: ValueType): onnx.ITypeProto {
  switch (type.kind) {
    case 'tensor':
      return {
        tensorType: {
          elemType: elementTypeCode(type.elementType),
          // No shape at all means "any rank"; an empty dim list would mean a scalar.
          ...(type.shape ? { shape: { dim: type.shape.map(dimProto) } } : {}),
        },
      };
    case 'sequence':
      return { sequenceType: { elemType: typeProto(type.element) } };
    case 'map':
      return { mapType: { keyType: elementTypeCode(type.key), valueType: typeProto(type.value) } };
    case 'optional':
      return { optionalType: { elemType: typeProto(type.element) } };
  }
}

function valueInfo(name: string, type: ValueType): onnx.IValueInfoProto {
  return { name, type: typeProto(type) };
}

/** Tensor values go in raw_data (little-endian), except strings which have their own field. */
function tensorProto(data: TensorData): onnx.ITensorProto {
  const count = data.dims.reduce((a, b) => a * b, 1);
  if (data.values.length !== count) {
    throw new MloError(
      'USAGE',
      `tensor of shape [${data.dims.join(', ')}] needs ${count} values, got ${data.values.length}`,
    );
  }
  const base = { dims: [...data.dims], dataType: elementTypeCode(data.type) };
  if (data.type === 'string') {
    return {
      ...base,
      stringData: Array.from(data.values as readonly string[], (s) => utf8.encode(s)),
    };
  }
  return { ...base, rawData: rawBytes(data.type, data.values) };
}

function rawBytes(type: ElementType, values: TensorValues): Uint8Array {
  const nums = values as ArrayLike<number | bigint>;
  let arr: ArrayBufferView;
  switch (type) {
    case 'float32':
      arr = Float32Array.from(nums as ArrayLike<number>);
      break;
    case 'float64':
      arr = Float64Array.from(nums as ArrayLike<number>);
      break;
    case 'int32':
      arr = Int32Array.from(nums as ArrayLike<number>);
      break;
    case 'int64':
      arr = BigInt64Array.from(Array.from(nums, (v) => BigInt(v)));
      break;
    case 'uint8':
    case 'bool':
      arr = Uint8Array.from(nums as ArrayLike<number>);
      break;
    default:
      throw new MloError('USAGE', `initializers of type ${type} are not supported by the writer`);
  }
  return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
}

function attributeProto(name: string, input: AttrInput): onnx.IAttributeProto {
  const a: Attr =
    typeof input === 'string'
      ? { type: 'string', value: input }
      : isStringArray(input)
        ? { type: 'strings', value: input }
        : input;
  switch (a.type) {
    case 'float':
      return { name, type: ATTR.FLOAT, f: a.value };
    case 'int':
      return { name, type: ATTR.INT, i: a.value };
    case 'string':
      return { name, type: ATTR.STRING, s: utf8.encode(a.value) };
    case 'floats':
      return { name, type: ATTR.FLOATS, floats: [...a.value] };
    case 'ints':
      return { name, type: ATTR.INTS, ints: [...a.value] };
    case 'strings':
      return { name, type: ATTR.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensor':
      return { name, type: ATTR.TENSOR, t: tensorProto(a.value) };
  }
}

function isStringArray(v: AttrInput): v is readonly string[] {
  return Array.isArray(v);
}
