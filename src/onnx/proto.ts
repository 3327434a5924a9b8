/**
 * Lazy access to the ONNX protobuf classes (onnx-proto, protobufjs 6). Loaded on first
 * use so that commands which never touch a model do not pay for protobufjs.
 */
import type { onnx } from 'onnx-proto';

export type OnnxNamespace = typeof onnx;

let loaded: Promise<OnnxNamespace> | undefined;

export function loadOnnxProto(): Promise<OnnxNamespace> {
  // onnx-proto is CommonJS with `module.exports = $root`, so the namespace sits on default.
  loaded ??= import('onnx-proto').then((m) => m.default.onnx);
  return loaded;
}

/** protobufjs gives int64 fields as number or Long depending on whether `long` is installed. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'object' && v !== null && 'toNumber' in v && typeof v.toNumber === 'function') {
    return Number((v.toNumber as () => unknown).call(v));
  }
  return 0;
}
