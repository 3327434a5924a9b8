import { describe, expect, it } from 'vitest';
import { toJsonText } from '../../../src/io/json-text.js';

describe('toJsonText', () => {
  it('writes what JSON.stringify writes for JSON values', () => {
    const values: unknown[] = [
      null,
      true,
      -0,
      1e21,
      0.1,
      'a"b\\\n\u0001é',
      [1, 'x', null, [[]], {}],
      { a: 1, 'b c': [true, { d: 'e' }], u: undefined },
      [undefined, NaN, Infinity],
    ];
    for (const v of values) expect(toJsonText(v)).toBe(JSON.stringify(v));
  });

  it('writes BigInts as exact JSON numbers, dates as ISO text, bytes as text', () => {
    expect(toJsonText([1n, 9007199254740993n, -18446744073709551615n])).toBe(
      '[1,9007199254740993,-18446744073709551615]',
    );
    expect(
      toJsonText({ at: new Date(Date.UTC(2024, 0, 2)), raw: new Uint8Array([104, 105]) }),
    ).toBe('{"at":"2024-01-02T00:00:00.000Z","raw":"hi"}');
    expect(toJsonText(new BigInt64Array([5n, -6n]))).toBe('[5,-6]');
    expect(JSON.parse(toJsonText({ k: 2n ** 70n }), (_k, v: unknown) => v)).toEqual({ k: 2 ** 70 });
  });
});
