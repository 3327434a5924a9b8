/**
 * Value types shared by the writer, the signature reader and the runner. Element
 * types use onnxruntime-node's names (`float32`, `int64`, ...) because those are what
 * a JS caller sees on a Tensor; the ONNX spelling (`tensor(float)`) is kept only for
 * human-readable type strings.
 */

export type ElementType =
  | 'float32'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'string'
  | 'bool'
  | 'float16'
  | 'float64'
  | 'uint32'
  | 'uint64'
  | 'complex64'
  | 'complex128'
  | 'bfloat16';

/** A dimension: a fixed size, a symbolic name, or unknown (null). */
export type Dim = number | string | null;

export type ValueType =
  | { kind: 'tensor'; elementType: ElementType; shape?: readonly Dim[] | null }
  | { kind: 'sequence'; element: ValueType }
  | { kind: 'map'; key: ElementType; value: ValueType }
  | { kind: 'optional'; element: ValueType };

export function tensorType(elementType: ElementType, shape?: readonly Dim[] | null): ValueType {
  return { kind: 'tensor', elementType, shape: shape ?? null };
}

export function sequenceType(element: ValueType): ValueType {
  return { kind: 'sequence', element };
}

export function mapType(key: ElementType, value: ValueType): ValueType {
  return { kind: 'map', key, value };
}

/** ONNX TensorProto.DataType numbers, in ONNX's order (index = enum value). */
const ELEMENT_BY_CODE: readonly (ElementType | undefined)[] = [
  undefined,
  'float32',
  'uint8',
  'int8',
  'uint16',
  'int16',
  'int32',
  'int64',
  'string',
  'bool',
  'float16',
  'float64',
  'uint32',
  'uint64',
  'complex64',
  'complex128',
  'bfloat16',
];

/** ONNX's own spelling of each element type, for `tensor(float)`-style strings. */
const ONNX_NAME: Record<ElementType, string> = {
  float32: 'float',
  uint8: 'uint8',
  int8: 'int8',
  uint16: 'uint16',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  string: 'string',
  bool: 'bool',
  float16: 'float16',
  float64: 'double',
  uint32: 'uint32',
  uint64: 'uint64',
  complex64: 'complex64',
  complex128: 'complex128',
  bfloat16: 'bfloat16',
};

export function elementTypeCode(type: ElementType): number {
  return ELEMENT_BY_CODE.indexOf(type);
}

export function elementTypeOf(code: number): ElementType | null {
  return ELEMENT_BY_CODE[code] ?? null;
}

/** `tensor(float)`, `seq(map(int64,tensor(float)))`: the notation Netron and ONNX docs use. */
export function formatValueType(type: ValueType): string {
  switch (type.kind) {
    case 'tensor':
      return `tensor(${ONNX_NAME[type.elementType]})`;
    case 'sequence':
      return `seq(${formatValueType(type.element)})`;
    case 'map':
      return `map(${ONNX_NAME[type.key]},${formatValueType(type.value)})`;
    case 'optional':
      return `optional(${formatValueType(type.element)})`;
  }
}
